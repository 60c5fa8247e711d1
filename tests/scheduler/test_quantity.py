from fractions import Fraction

import pytest

from kapi.machinery.quantity import int_value, milli_value, parse_quantity, resource_amount


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("100m", Fraction(1, 10)),
        ("1Gi", Fraction(2**30)),
        ("500Mi", Fraction(500 * 2**20)),
        ("1e3", Fraction(1000)),
        ("2k", Fraction(2000)),
        ("1.5", Fraction(3, 2)),
        ("0", Fraction(0)),
        (3, Fraction(3)),
    ],
)
def test_parse(text, want):
    assert parse_quantity(text) == want


@pytest.mark.parametrize("bad", ["", "abc", "1Qi", "1.2.3", None, True])
def test_parse_rejects(bad):
    with pytest.raises(ValueError):
        parse_quantity(bad)


def test_rounding_up():
    assert milli_value("1") == 1000
    assert milli_value("0.0001") == 1
    assert int_value("100m") == 1
    assert resource_amount("cpu", "250m") == 250
    assert resource_amount("memory", "1Ki") == 1024
