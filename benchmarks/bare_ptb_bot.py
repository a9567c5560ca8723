"""A bare python-telegram-bot bot with PTB's own AIORateLimiter: the yardstick for
``benchmarks.replies_under_load``. It answers /help and /language with one message each and,
with ``--broadcast N``, sends N messages to chats 500000… in a task, as a bot without an
outbox would. With ``--reply-file FILE`` (JSON: text and reply_markup) /help answers with
exactly that message, and ``--all-updates`` polls for every kind of update, as Lotse does:
``benchmarks.cpu_per_update`` then compares the same Bot API work with and without Lotse.

Run by the benchmark: .venv/bin/python -m benchmarks.bare_ptb_bot --base-url URL [--broadcast N]
[--reply-file FILE] [--all-updates]
"""

from __future__ import annotations

import argparse
import json
from functools import partial
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, CommandHandler

from tests.conftest import TOKEN

FIRST_CHAT = 500_000


async def help_(update: Update, context: Any, reply: dict[str, Any] | None = None) -> None:
    assert update.effective_message is not None
    if reply is None:
        await update.effective_message.reply_text("Help: 110, 112, 116 016, 116 111")
        return
    markup = reply.get("reply_markup")
    await update.effective_message.reply_text(
        reply["text"], reply_markup=InlineKeyboardMarkup.de_json(markup, None) if markup else None)


async def language(update: Update, context: Any) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "Language?", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("de", "l:de")]]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--broadcast", type=int, default=0)
    parser.add_argument("--reply-file", help="JSON with the text and reply_markup of /help")
    parser.add_argument("--all-updates", action="store_true", help="allowed_updates: all kinds")
    args = parser.parse_args()
    reply = json.loads(Path(args.reply_file).read_text()) if args.reply_file else None

    async def post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        if args.broadcast:
            async def broadcast() -> None:
                for chat in range(FIRST_CHAT, FIRST_CHAT + args.broadcast):
                    await app.bot.send_message(chat, "Benchmark")

            app.create_task(broadcast())

    app = (ApplicationBuilder().token(TOKEN).base_url(args.base_url)
           .rate_limiter(AIORateLimiter()).post_init(post_init).build())
    app.add_handler(CommandHandler("help", partial(help_, reply=reply)))
    app.add_handler(CommandHandler("language", language))
    app.run_polling(drop_pending_updates=False,
                    allowed_updates=Update.ALL_TYPES if args.all_updates else None)


if __name__ == "__main__":
    main()
