"""A bare python-telegram-bot bot with PTB's own AIORateLimiter: the yardstick for
``benchmarks.replies_under_load``. It answers /help and /language with one message each and,
with ``--broadcast N``, sends N messages to chats 500000… in a task, as a bot without an
outbox would.

Run by the benchmark: .venv/bin/python -m benchmarks.bare_ptb_bot --base-url URL [--broadcast N]
"""

from __future__ import annotations

import argparse
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, CommandHandler

from tests.conftest import TOKEN

FIRST_CHAT = 500_000


async def help_(update: Update, context: Any) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("Help: 110, 112, 116 016, 116 111")


async def language(update: Update, context: Any) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "Language?", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("de", "l:de")]]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--broadcast", type=int, default=0)
    args = parser.parse_args()

    async def post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        if args.broadcast:
            async def broadcast() -> None:
                for chat in range(FIRST_CHAT, FIRST_CHAT + args.broadcast):
                    await app.bot.send_message(chat, "Benchmark")

            app.create_task(broadcast())

    app = (ApplicationBuilder().token(TOKEN).base_url(args.base_url)
           .rate_limiter(AIORateLimiter()).post_init(post_init).build())
    app.add_handler(CommandHandler("help", help_))
    app.add_handler(CommandHandler("language", language))
    app.run_polling(drop_pending_updates=False)


if __name__ == "__main__":
    main()
