"""Reaching the endpoint: clients, credentials, retry rules, rate limits and waiting.

The only layer that imports ``azure.ai.inference`` (in :mod:`.clients`); it knows the wire
protocols only by name and by the request they built.
"""
