"""The Textual front end (to come; the engine is usable without it)."""
