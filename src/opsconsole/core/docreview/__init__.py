"""The document-review area's rules: low-confidence extractions and A2I human loops.

- :mod:`.tasks`: the review-tasks table, the reviewer queue, claims with a lease;
- :mod:`.document`: a document's extraction and page images, value checks, the corrected record;
- :mod:`.submit`: submit (output in A2I's layout, SendTaskSuccess, REVIEWED) and reject;
- :mod:`.loops`: flow definitions, human loops, one loop's answers; start, stop, delete;
- :mod:`.throughput`: documents per hour and time per document;
- :mod:`.config`: where the data lives (declared settings).
"""

from opsconsole.core.docreview.config import CONFIG, CONSOLE_FLOW, ReviewConfig
from opsconsole.core.docreview.document import (
    ACCEPTED, EDITED, ENTITY_TYPES, MISSING, Box, Decision, Document, DocumentUnreadable, Field, check_value,
    corrected_record, load_document, undecided_fields,
)
from opsconsole.core.docreview.loops import (
    DELETABLE, LOOP_STATUSES, STOPPABLE, FieldComparison, FlowDefinition, HumanLoop, LoopDetail, LoopRefused,
    check_loop_name, delete_loop_write, describe_loop, iter_flow_definitions, iter_flow_overview, iter_loops,
    start_loop_write, stop_loop_write,
)
from opsconsole.core.docreview.submit import (
    COMPLETED, TOKEN_EXPIRED, ReviewResult, loop_name, output_document, output_key, reject_write, submit_write,
)
from opsconsole.core.docreview.tasks import (
    CLAIMED, REJECTED, REVIEWED, WAITING, Reason, ReviewTask, claim, claim_next, count_waiting,
    create_missing_table, get_task, iter_queue, release, renew,
)

__all__ = [
    "ACCEPTED", "CLAIMED", "COMPLETED", "CONFIG", "CONSOLE_FLOW", "DELETABLE", "EDITED", "ENTITY_TYPES",
    "LOOP_STATUSES", "MISSING", "REJECTED", "REVIEWED", "STOPPABLE", "TOKEN_EXPIRED", "WAITING", "Box",
    "Decision", "Document", "DocumentUnreadable", "Field", "FieldComparison", "FlowDefinition", "HumanLoop",
    "LoopDetail", "LoopRefused", "Reason", "ReviewConfig", "ReviewResult", "ReviewTask", "check_loop_name",
    "check_value", "claim", "claim_next", "corrected_record", "count_waiting", "create_missing_table",
    "delete_loop_write", "describe_loop", "get_task", "iter_flow_definitions", "iter_flow_overview",
    "iter_loops", "iter_queue", "load_document", "loop_name", "output_document", "output_key", "release",
    "renew", "reject_write", "start_loop_write", "stop_loop_write", "submit_write", "undecided_fields",
]
