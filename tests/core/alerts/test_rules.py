"""Composite alarms' rules: the children a rule names (PutCompositeAlarm's AlarmRule syntax)."""

from opsconsole.core.alerts.rules import RuleChild, children, descendants, parents_of, roots


def test_children_in_order_with_state_and_negation():
    rule = ('ALARM("a-1") OR ALARM(b) OR (INSUFFICIENT_DATA(\'c\') AND NOT OK("d")) '
            'OR ALARM("arn:aws:cloudwatch:eu-west-1:123456789012:alarm:e")')
    assert children(rule) == [
        RuleChild("a-1", "ALARM"), RuleChild("b", "ALARM"), RuleChild("c", "INSUFFICIENT_DATA"),
        RuleChild("d", "OK", negated=True), RuleChild("e", "ALARM"),
    ]


def test_a_child_named_twice_is_listed_once_and_constants_name_nothing():
    assert [c.name for c in children('ALARM("x") AND (ALARM("x") OR TRUE) AND NOT FALSE')] == ["x"]
    assert children("TRUE") == []


def test_tree_roots_parents_and_descendants():
    rules = {"top": 'ALARM("mid") OR ALARM("leaf-1")', "mid": 'ALARM("leaf-2") AND NOT ALARM("leaf-3")'}
    assert roots(rules) == ["top"]
    assert parents_of(rules) == {"mid": ["top"], "leaf-1": ["top"], "leaf-2": ["mid"], "leaf-3": ["mid"]}
    assert descendants("top", rules) == ["mid", "leaf-2", "leaf-3", "leaf-1"]


def test_a_cycle_does_not_loop():
    assert descendants("a", {"a": 'ALARM("b")', "b": 'ALARM("a")'}) == ["b"]


def test_escaped_quotes_and_alarm_names_that_look_like_arns():
    rule = r'ALARM("say \"hi\"") OR OK(' + "'it\\'s'" + r') OR ALARM("team:alarm:cpu") OR ' \
        r'ALARM("arn:aws:cloudwatch:eu-west-1:123456789012:alarm:team:alarm:disk")'
    assert [c.name for c in children(rule)] == ['say "hi"', "it's", "team:alarm:cpu", "team:alarm:disk"]


def test_a_repeated_child_does_not_hide_the_ones_after_it():
    assert [c.name for c in children('ALARM("x") OR ALARM("x") OR NOT ALARM("y")')] == ["x", "y"]
    assert children('ALARM("x") OR ALARM("x") OR NOT ALARM("y")')[1].negated


def test_an_alarm_under_two_composites_is_listed_once_and_the_walk_goes_on():
    rules = {"top": 'ALARM("a") OR ALARM("b")', "a": 'ALARM("shared")', "b": 'ALARM("shared") OR ALARM("c")'}
    assert descendants("top", rules) == ["a", "shared", "b", "c"]
    assert descendants("top", rules, limit=2) == ["a", "shared"]
