import io

from crm.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_it_updates_one_line_in_place_on_a_terminal():
    stream = Terminal()
    progress = Progress("rows", 10, stream=stream, interval=0)
    progress.advance(5)
    progress.finish()
    assert stream.getvalue().count("\r") == 1 and "rows: 10" not in stream.getvalue()
    assert stream.getvalue().endswith("\n") and "5/10" in stream.getvalue()


def test_it_writes_only_the_final_line_to_a_log():
    stream = io.StringIO()
    progress = Progress("rows", 10, stream=stream, interval=0)
    for _ in range(10):
        progress.advance()
    progress.finish()
    [line] = stream.getvalue().splitlines()
    assert line.startswith("rows: 10/10 (100.0%)")


def test_it_writes_nothing_when_disabled():
    stream = Terminal()
    progress = Progress("rows", 3, stream=stream, interval=0, enabled=False)
    progress.advance(3)
    progress.finish()
    assert stream.getvalue() == ""
