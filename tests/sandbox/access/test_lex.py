"""Lex V2 refuses a tenant's calls on another tenant's bot, and the agent's deploy steps.

AWS (REST-JSON; botocore's ``AccessDeniedException`` of Lex V2, HTTP 403), message "User: <arn> is
not authorized to perform: lex:<Action> on resource: <bot ARN> because no identity-based policy
allows the lex:<Action> action" (or "with an explicit deny in an identity-based policy").
"""

from __future__ import annotations

from access_support import CONTACT, RETAIL, assert_denied


def bot_arn(sandbox) -> str:
    return f"arn:aws:lex:eu-west-1:123456789012:bot/{sandbox.scenario.lex['bot_id']}"


def test_the_bots_tenant_reads_it_and_another_tenant_is_refused(as_identity, sandbox):
    bot = sandbox.scenario.lex["bot_id"]
    assert as_identity(f"tenant-{CONTACT}", "lexv2-models").describe_bot(botId=bot)["botId"] == bot
    lex = as_identity(f"tenant-{RETAIL}", "lexv2-models")
    assert_denied(lambda: lex.describe_bot(botId=bot), 403, "AccessDeniedException", f"tenant-{RETAIL}",
                  "lex:DescribeBot", bot_arn(sandbox))
    assert_denied(lambda: lex.list_bot_versions(botId=bot), 403, "AccessDeniedException", f"tenant-{RETAIL}",
                  "lex:ListBotVersions", bot_arn(sandbox))


def test_the_agent_may_not_build_or_publish_the_bot(as_identity, sandbox):
    bot = sandbox.scenario.lex["bot_id"]
    agent = as_identity("agent", "lexv2-models")
    assert agent.describe_bot(botId=bot)["botId"] == bot
    assert_denied(lambda: agent.build_bot_locale(botId=bot, botVersion="DRAFT", localeId="en_US"), 403,
                  "AccessDeniedException", "agent", "lex:BuildBotLocale", bot_arn(sandbox), explicit=True)
    assert_denied(lambda: agent.create_bot_version(botId=bot, botVersionLocaleSpecification={
        "en_US": {"sourceBotVersion": "DRAFT"}}), 403, "AccessDeniedException", "agent", "lex:CreateBotVersion",
        bot_arn(sandbox), explicit=True)
