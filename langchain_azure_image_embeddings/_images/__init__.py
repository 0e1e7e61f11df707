"""Images: what an input is, where it may come from, and how it is fitted to the model.

An input is classified once, without I/O (:mod:`.inputs`); its source is checked against the
policy and read (:mod:`.sources`, SSRF-safe downloads in :mod:`.remote`); it is checked
(:mod:`.structure`), decoded and fitted (:mod:`.preparation`). It imports only the public value
types (errors, ``ImageInput``), nothing of the engine, the transport or the protocols.
"""
