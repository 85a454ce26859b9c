"""An execution's event history on screen: the table model, the filtered view over it, and the loader
that streams pages into it.

``model`` keeps events in id order and filters them; ``view`` is the table with its type, state and text
filters; ``loader`` fetches the pages on the worker pool and hands them to the view.
"""
