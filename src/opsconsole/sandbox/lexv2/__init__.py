"""The sandbox's Lex V2 model-building API (moto has almost none of it)."""
