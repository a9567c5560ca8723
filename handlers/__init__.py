"""Thin Telegram handlers: parse the update, check the role, call one service, reply.

``bot.app`` registers them; each module exposes ``register(app)`` for its feature.
"""
