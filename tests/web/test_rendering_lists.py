"""Lists written straight under a paragraph line render as lists, as on GitHub."""

from catalog.web.rendering import render_markdown

DOGS = (
    "The original dataset consists of 8351 images divided into: \n"
    "* training set (6680 pictures)\n"
    "* validation set (835)\n"
    "* test set (836)\n"
)


def test_a_list_right_under_a_paragraph_is_a_list():
    html = render_markdown(DOGS)
    assert "<li>training set (6680 pictures)</li>" in html
    assert html.count("<li>") == 3
    assert "divided into:" in html


def test_numbered_lists_and_nested_items_too():
    html = render_markdown("References\n1. CNN articles:\n  * VGG\n2. Dogs dataset\n")
    assert html.count("<ol>") == 1 and "<li>Dogs dataset</li>" in html


def test_fenced_code_is_left_alone():
    html = render_markdown("Run:\n```\nls\n* not a list\n```\n")
    assert "<li>" not in html
    assert "* not a list" in html


def test_emphasis_at_line_start_is_not_a_list():
    html = render_markdown("Intro line\n*Note*: weights are large\n")
    assert "<li>" not in html and "<em>Note</em>" in html
