"""The execution timeline: a Gantt chart of state runs, one lane per state.

``view`` is the widget (lanes, Map expansion, summary, legend, fit); ``gantt`` holds the chart's
pyqtgraph pieces: the axes, the view box's zoom and pan, and the item that paints the bars.
"""
