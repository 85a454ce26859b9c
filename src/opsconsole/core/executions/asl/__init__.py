"""Amazon States Language: validate a state machine definition and turn it into a laid-out graph.

``parse_definition`` checks a definition the way an operator needs it checked
(one readable reason naming the problem); ``build_graph`` gives every state a
box and every transition a routed polyline, ready to draw. No Qt here.

The parts: :mod:`.validate` (the definition, its checks, questions about its
states), :mod:`.graph` (boxes and edges), :mod:`.text` (how big text is drawn,
told by the caller), :mod:`.layout` and :mod:`.placement` (the layered layout).
"""

from __future__ import annotations

from opsconsole.core.executions.asl.graph import (
    END_ID,
    MARGIN,
    MAX_LABEL,
    PSEUDO_TYPES,
    START_ID,
    STATE_MAX_W,
    STATE_MIN_W,
    Edge,
    EdgeKind,
    Graph,
    StateNode,
    build_graph,
    short_resource,
    shorten,
    text_lines,
)
from opsconsole.core.executions.asl.text import DEFAULT_METRICS, AverageGlyphMetrics, TextMetrics, wrap
from opsconsole.core.executions.asl.validate import (
    QUERY_LANGUAGES,
    STATE_TYPES,
    AslError,
    Definition,
    Diagnostic,
    StateInfo,
    aws_definition_message,
    describe_rule,
    diagnose,
    find_state,
    parent_chain,
    parse_definition,
    state_names,
    top_level_ancestors,
)

__all__ = [
    "DEFAULT_METRICS", "END_ID", "MARGIN", "MAX_LABEL", "PSEUDO_TYPES", "QUERY_LANGUAGES", "START_ID", "STATE_MAX_W",
    "STATE_MIN_W", "STATE_TYPES", "AslError", "AverageGlyphMetrics", "Definition", "Diagnostic", "Edge", "EdgeKind", "Graph",
    "StateInfo", "StateNode", "TextMetrics", "aws_definition_message", "build_graph", "describe_rule", "diagnose", "find_state", "parent_chain",
    "parse_definition", "short_resource", "shorten", "state_names", "text_lines", "top_level_ancestors", "wrap",
]
