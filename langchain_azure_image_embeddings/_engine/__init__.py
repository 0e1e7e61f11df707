"""The call engine: what one call does, decided without I/O, and the two drivers that do the I/O.

- :mod:`.drivers`: :class:`~.drivers.CallPlan` (the plan's steps: cache look-ups, batches, and
  each batch's job: prepare, send, sleep, remember, record) and ``run_sync`` / ``run_async``,
  which only perform those steps with threads or with asyncio tasks;
- :mod:`.exchange`: one request's conversation (retries, the ``input_type`` fallback, splits);
- :mod:`.batching`, :mod:`.batch_preparation`, :mod:`.results`, :mod:`.cache`: inputs into
  requests, and answers back into input order;
- :mod:`.call_config`, :mod:`.runtime`, :mod:`.settings_checks`: an instance's settings, built
  once per change, and its live clients.

It may import the layers below it (``_images``, ``_transport``, ``_protocols`` and the public
value types), never the embeddings class or the vector-store helpers above it.
"""
