"""The official Bot API spec (api.json): load it, decode request parameters, check requests."""

from __future__ import annotations

import functools
import html
import json
import os
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPEC_ENV_VAR = "LOTSE_BOT_API_SPEC"
DEFAULT_SPEC_PATH = Path(__file__).resolve().parents[2] / "data/telegram-bot-api/api.json"

# ---------------------------------------------------------------------------------------------
# Loading


@dataclass(frozen=True)
class FieldSpec:
    """One parameter of a Bot API method as api.json declares it."""

    name: str
    types: tuple[str, ...]
    required: bool

    def accepts(self, value: Any) -> bool:
        """Tell whether a decoded value fits one of the declared types."""
        return any(_matches_type(value, type_name) for type_name in self.types)


@dataclass(frozen=True)
class MethodSpec:
    """A Bot API method and its parameters."""

    name: str
    fields: Mapping[str, FieldSpec]


@dataclass(frozen=True)
class ApiSpec:
    """The parts of api.json the fake needs: methods with their fields, field names of types."""

    version: str
    methods: Mapping[str, MethodSpec]
    type_fields: Mapping[str, frozenset[str]]


def spec_path() -> Path:
    """Return where api.json is: $LOTSE_BOT_API_SPEC or the copy in tests/data."""
    override = os.environ.get(SPEC_ENV_VAR)
    return Path(override) if override else DEFAULT_SPEC_PATH


def load_spec(path: Path | None = None) -> ApiSpec:
    """Load api.json, parsing each file only once per process."""
    return _load_spec(path or spec_path())


@functools.cache
def _load_spec(path: Path) -> ApiSpec:
    if not path.is_file():
        raise FileNotFoundError(f"Bot API spec not found at {path}; set {SPEC_ENV_VAR}")
    raw = json.loads(path.read_text(encoding="utf-8"))
    methods = {
        name: MethodSpec(
            name=name,
            fields={
                field["name"]: FieldSpec(field["name"], tuple(field["types"]), field["required"])
                for field in method.get("fields", [])
            },
        )
        for name, method in raw["methods"].items()
    }
    type_fields = {
        name: frozenset(field["name"] for field in type_.get("fields", []))
        for name, type_ in raw["types"].items()
    }
    return ApiSpec(version=raw["version"], methods=methods, type_fields=type_fields)


# ---------------------------------------------------------------------------------------------
# Decoding


def decode_params(method: MethodSpec | None, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Turn the wire values of a request into Python values.

    PTB JSON-encodes every value that is not a string (numbers, bools, lists, objects), so a
    string is decoded as JSON unless the parameter is declared String only, or the decoded value
    fits none of the declared types while the raw string does (a file_id like "123").
    Values that arrived in a JSON body are already decoded and kept as they are.
    """
    fields = method.fields if method else {}
    return {name: _decode_value(fields.get(name), value) for name, value in raw.items()}


def _decode_value(field: FieldSpec | None, value: Any) -> Any:
    if not isinstance(value, str) or (field and field.types == ("String",)):
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    if field and "String" in field.types and not field.accepts(decoded):
        return value
    return decoded


_SCALAR_TYPES: dict[str, tuple[type, ...]] = {
    "String": (str,),
    "Integer": (int,),
    "Float": (int, float),
    "Boolean": (bool,),
}


def _matches_type(value: Any, type_name: str) -> bool:
    if type_name.startswith("Array of "):
        item_type = type_name.removeprefix("Array of ")
        return isinstance(value, list) and all(_matches_type(item, item_type) for item in value)
    if type_name == "InputFile":  # a file in the same request, referenced by attach://<name>
        return isinstance(value, str) and value.startswith("attach://")
    if type_name in _SCALAR_TYPES:
        if isinstance(value, bool) and type_name != "Boolean":
            return False
        return isinstance(value, _SCALAR_TYPES[type_name])
    return isinstance(value, dict)  # any object type


# ---------------------------------------------------------------------------------------------
# Checking


def check_request(
    spec: ApiSpec, method: str, params: Mapping[str, Any], file_fields: Collection[str]
) -> list[str]:
    """Return what is wrong with a request (an empty list if nothing is)."""
    method_spec = spec.methods.get(method)
    if method_spec is None:
        return [f"unknown method {method!r} (not in Bot API {spec.version})"]
    return [
        *_check_fields(method_spec, params, file_fields),
        *_check_limits(spec, method, params),
    ]


def _check_fields(
    method: MethodSpec, params: Mapping[str, Any], file_fields: Collection[str]
) -> Iterator[str]:
    attached = {
        match
        for value in params.values()
        for match in re.findall(r"attach://([\w-]+)", json.dumps(value))
    }
    for name in sorted(attached - set(file_fields)):
        yield f"attach://{name} refers to a file that was not uploaded"
    uploaded = set(file_fields) - attached
    for name in [*params, *sorted(uploaded - params.keys())]:
        field = method.fields.get(name)
        if field is None:
            yield f"unknown parameter {name!r}"
        elif name in uploaded and "InputFile" not in field.types:
            yield f"parameter {name!r} does not accept a file upload"
        elif name in params and not field.accepts(params[name]):
            yield f"parameter {name!r} must be {' or '.join(field.types)}, got {params[name]!r}"
    for field in method.fields.values():
        if field.required and field.name not in params and field.name not in uploaded:
            yield f"required parameter {field.name!r} is missing"


# (method, parameter) -> (min, max) length in UTF-16 code units after entity parsing
TEXT_LIMITS: dict[tuple[str, str], tuple[int, int]] = {
    ("sendMessage", "text"): (1, 4096),
    ("editMessageText", "text"): (1, 4096),
    ("answerCallbackQuery", "text"): (0, 200),
    ("setMyDescription", "description"): (0, 512),
    ("setMyShortDescription", "short_description"): (0, 120),
}
CAPTION_LIMIT = 1024
CALLBACK_DATA_BYTES = (1, 64)
MAX_COMMANDS = 100
COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
COMMAND_DESCRIPTION_LIMIT = (1, 256)
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def _check_limits(spec: ApiSpec, method: str, params: Mapping[str, Any]) -> Iterator[str]:
    parse_mode = params.get("parse_mode")
    for (limited_method, name), (low, high) in TEXT_LIMITS.items():
        if method == limited_method and isinstance(params.get(name), str):
            yield from _check_length(name, visible_text(params[name], parse_mode), low, high)
    if isinstance(params.get("caption"), str):
        yield from _check_length(
            "caption", visible_text(params["caption"], parse_mode), 0, CAPTION_LIMIT
        )
    if "reply_markup" in params:
        yield from _check_inline_keyboard(spec, params["reply_markup"])
    if method == "setMyCommands" and "commands" in params:
        yield from _check_commands(params["commands"])
    has_target = "inline_message_id" in params or {"chat_id", "message_id"} <= params.keys()
    if method.startswith("editMessage") and not has_target:
        yield "needs either inline_message_id or both chat_id and message_id"


def utf16_len(text: str) -> int:
    """Count characters the way Telegram does: in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


_HTML_TAG = re.compile(r"<[^>]*>")
_MARKDOWN = re.compile(r"\\(.)|\]\((?:\\.|[^)])*\)|[*_~|`\[\]]")


def visible_text(text: str, parse_mode: Any) -> str:
    """Return the text as the user sees it after HTML/Markdown parsing (Markdown roughly)."""
    mode = str(parse_mode or "").lower()
    if mode == "html":
        return html.unescape(_HTML_TAG.sub("", text))
    if mode in ("markdown", "markdownv2"):
        return _MARKDOWN.sub(lambda match: match.group(1) or "", text)
    return text


def _check_length(name: str, text: str, low: int, high: int) -> Iterator[str]:
    length = utf16_len(text)
    if low > 0 and not text.strip():
        yield f"{name} is empty (must be {low}-{high} characters)"
    elif length > high:
        yield f"{name} is too long: {length} characters, at most {high} allowed"


def _check_inline_keyboard(spec: ApiSpec, markup: Any) -> Iterator[str]:
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        yield "reply_markup.inline_keyboard must be an array of button rows"
        return
    known_fields = spec.type_fields.get("InlineKeyboardButton", frozenset())
    for row_index, row in enumerate(rows):
        for column, button in enumerate(row):
            where = f"inline button [{row_index}][{column}]"
            if not isinstance(button, dict):
                yield f"{where} must be an object, got {button!r}"
                continue
            yield from _check_button(where, button, known_fields)


def _check_button(
    where: str, button: dict[str, Any], known_fields: frozenset[str]
) -> Iterator[str]:
    if unknown := sorted(set(button) - known_fields):
        yield f"{where} has unknown fields {unknown}"
    if not isinstance(button.get("text"), str) or not button["text"]:
        yield f"{where} needs a text"
    actions = [action for action in BUTTON_ACTIONS if action in button]
    if len(actions) != 1:
        yield f"{where} {button.get('text')!r} must have exactly one action, has {actions}"
    if "callback_data" in button:
        data = button["callback_data"]
        size = len(data.encode()) if isinstance(data, str) else -1
        low, high = CALLBACK_DATA_BYTES
        if not low <= size <= high:
            yield f"{where} callback_data must be {low}-{high} bytes, got {size}: {data!r}"


def _check_commands(commands: Any) -> Iterator[str]:
    if not isinstance(commands, list):
        yield f"commands must be an array, got {commands!r}"
        return
    if len(commands) > MAX_COMMANDS:
        yield f"too many commands: {len(commands)}, at most {MAX_COMMANDS}"
    low, high = COMMAND_DESCRIPTION_LIMIT
    for command in commands:
        if not isinstance(command, dict):
            yield f"command must be an object, got {command!r}"
            continue
        name, description = command.get("command"), command.get("description")
        if not isinstance(name, str) or not COMMAND_NAME.fullmatch(name):
            yield f"command name {name!r} must match {COMMAND_NAME.pattern}"
        if not isinstance(description, str) or not low <= utf16_len(description) <= high:
            yield f"description of command {name!r} must be {low}-{high} characters"
