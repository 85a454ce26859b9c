"""The executions area's fixing actions: the controller and its menus."""
