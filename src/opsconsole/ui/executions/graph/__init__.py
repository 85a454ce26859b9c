"""State machine graphs: the interactive view and the drawing shared with the graph command."""
