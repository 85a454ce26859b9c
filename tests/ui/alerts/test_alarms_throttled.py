"""When AWS throttles DescribeAlarms the page says so, and the listing still arrives after the retries."""

from __future__ import annotations

from .conftest import TIMEOUT


def test_throttling_is_shown_and_the_listing_arrives(qtbot, ctx, scripted_endpoint, handling_table):
    from opsconsole.ui.alerts.alarms_view import AlarmsView

    alarm = {"AlarmName": "a-1", "AlarmArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:a-1",
             "StateValue": "ALARM", "StateUpdatedTimestamp": 1767225600, "Namespace": "N", "MetricName": "M"}
    throttled = (400, {"__type": "Throttling", "message": "Rate exceeded"})
    # The first two requests (the listing and the handling table's check, in either order) are throttled.
    scripted_endpoint.script = [
        throttled, throttled,
        (200, {"MetricAlarms": [alarm], "CompositeAlarms": []}),
    ]
    ctx.set_connection(scripted_endpoint.connection())
    view = AlarmsView(ctx, table=handling_table)
    qtbot.addWidget(view)
    notices: list[str] = []


    def seen(_op, _code, _attempt) -> None:
        notices.append(view.refreshed_label.text())

    # the application's notices outlive this view: listen only while it exists
    ctx.notices.throttled.connect(seen)
    try:
        with qtbot.waitSignal(view.listed, timeout=TIMEOUT):
            view.load()
    finally:
        ctx.notices.throttled.disconnect(seen)
    assert any("throttling DescribeAlarms (Throttling)" in text for text in notices)
    assert [r.alarm.name for r in view.model.all_rows()] == ["a-1"]
    assert scripted_endpoint.requests.count("GraniteServiceVersion20100801.DescribeAlarms") >= 2  # retried
