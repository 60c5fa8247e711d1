"""Name and identifier syntax checks (kapi.machinery.names) against upstream's rules and wording."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kapi.machinery import names

SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
    "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
DNS1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
    "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
    "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
NAME_PART_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
    "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)


# --- DNS names -------------------------------------------------------------------------------

LABEL_OK = ["x", "xy", "x9", "9", "09", "9x", "x-9", "x---y", "0-0", "a" * 63]
LABEL_BAD = [
    "",
    "X",
    "xY",
    "X-1",
    "-",
    "x-",
    "-x",
    "9-",
    "x_y",
    "_",
    "x.y",
    ".",
    "x ",
    " x",
    "x y",
    "a" * 64,
    "é",
    "x\n",
]


@pytest.mark.parametrize("value", LABEL_OK)
def test_dns1123_label_valid(value: str) -> None:
    assert names.is_dns1123_label(value) == []


@pytest.mark.parametrize("value", LABEL_BAD)
def test_dns1123_label_invalid(value: str) -> None:
    assert names.is_dns1123_label(value)


def test_dns1123_label_messages() -> None:
    assert names.is_dns1123_label("Bad") == [LABEL_MSG]
    assert names.is_dns1123_label("a.b") == ["must not contain dots"]
    assert names.is_dns1123_label("a" * 64) == ["must be no more than 63 characters"]
    assert names.is_dns1123_label("-" * 64) == ["must be no more than 63 characters", LABEL_MSG]


SUBDOMAIN_OK = [
    "x",
    "x.y",
    "x-1.y-2",
    "9.9",
    "a.b.c.d",
    "0.x",
    "a" * 253,
    ".".join(["a" * 63] * 3) + "." + "a" * 61,
]
SUBDOMAIN_BAD = [
    "",
    "X",
    "x.Y",
    "x..y",
    ".x",
    "x.",
    "-x.y",
    "x-.y",
    "x_y",
    "x@y",
    "x:y",
    "x%y",
    "x/y",
    "a" * 254,
]


@pytest.mark.parametrize("value", SUBDOMAIN_OK)
def test_dns1123_subdomain_valid(value: str) -> None:
    assert names.is_dns1123_subdomain(value) == []


@pytest.mark.parametrize("value", SUBDOMAIN_BAD)
def test_dns1123_subdomain_invalid(value: str) -> None:
    assert names.is_dns1123_subdomain(value)


def test_dns1123_subdomain_messages() -> None:
    assert names.is_dns1123_subdomain("Foo") == [SUBDOMAIN_MSG]
    assert names.is_dns1123_subdomain("a" * 254) == ["must be no more than 253 characters"]


@pytest.mark.parametrize("value", ["x", "x-1", "x--y", "a" * 63])
def test_dns1035_label_valid(value: str) -> None:
    assert names.is_dns1035_label(value) == []


@pytest.mark.parametrize("value", ["1x", "9", "1-x", "", "X", "x-", "-x", "x.y", "x_y", "a" * 64])
def test_dns1035_label_invalid(value: str) -> None:
    assert names.is_dns1035_label(value)


def test_dns1035_label_message() -> None:
    assert names.is_dns1035_label("1abc") == [DNS1035_MSG]


def test_lengths_count_utf8_bytes() -> None:
    # 32 two-byte characters are 64 bytes: too long, as Go's len() counts bytes
    assert "must be no more than 63 characters" in names.is_dns1123_label("é" * 32)


def test_wildcard_subdomain() -> None:
    assert names.is_wildcard_dns1123_subdomain("*.example.com") == []
    assert names.is_wildcard_dns1123_subdomain("*.*.example.com")
    assert names.is_wildcard_dns1123_subdomain("example.com")


_LABEL_RE = re.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?")


@given(st.text(alphabet="abz09-.X_", max_size=70))
def test_dns1123_label_matches_reference(value: str) -> None:
    expected_ok = len(value) <= 63 and _LABEL_RE.fullmatch(value) is not None
    assert (names.is_dns1123_label(value) == []) == expected_ok


# --- name rules ------------------------------------------------------------------------------


def test_name_rule_generate_name_may_end_with_dash() -> None:
    assert names.name_is_dns_subdomain("web-", True) == []
    assert names.name_is_dns_subdomain("web-", False) == [SUBDOMAIN_MSG]
    assert names.name_is_dns_label("web-", True) == []
    assert names.name_is_dns1035_label("web-", True) == []
    assert names.name_is_dns1035_label("1web-", True) == [DNS1035_MSG]
    # a lone dash is not masked
    assert names.name_is_dns_subdomain("-", True) == [SUBDOMAIN_MSG]


def test_name_rule_prefix_mask_quirk() -> None:
    # upstream replaces the last two characters by "a": "a-" -> "a", "ab-" -> "aa"
    assert names.name_is_dns_label("A-", True) == []  # becomes "a"
    assert names.name_is_dns_label("aB-", True) == []  # becomes "aa"
    assert names.name_is_dns_label("B-b-", True) == [LABEL_MSG]


def test_path_segment_names() -> None:
    assert names.path_segment_name_errors("ok") == []
    assert names.path_segment_name_errors("Any_Thing:at all") == []
    assert names.path_segment_name_errors(".") == ["may not be '.'"]
    assert names.path_segment_name_errors("..") == ["may not be '..'"]
    assert names.path_segment_name_errors("a/b") == ["may not contain '/'"]
    assert names.path_segment_name_errors("a%b/c") == ["may not contain '/'", "may not contain '%'"]
    assert names.path_segment_name_errors("..", prefix=True) == []
    assert names.name_is_path_segment("a/", True) == ["may not contain '/'"]


# --- qualified names and label values ------------------------------------------------------------

QUALIFIED_OK = [
    "simple",
    "now-with-dashes",
    "1-starts-with-num",
    "1234",
    "simple/simple",
    "now-with-dashes/simple",
    "now-with-dashes/now-with-dashes",
    "now.with.dots/simple",
    "now-with.dashes-and.dots/simple",
    "1-num.2-num/3-num",
    "1234/5678",
    "1.2.3.4/5678",
    "Uppercase_Is_OK_123",
    "example.com/Uppercase_Is_OK_123",
    "requests.storage-foo",
    "a" * 63,
    "a" * 253 + "/" + "b" * 63,
]
QUALIFIED_BAD = [
    "nospecialchars%^=@",
    "cantendwithadash-",
    "-cantstartwithadash-",
    "only/one/slash",
    "Example.com/abc",
    "example_com/abc",
    "example.com/",
    "/simple",
    "a" * 64,
    "a" * 254 + "/abc",
    "",
]


@pytest.mark.parametrize("value", QUALIFIED_OK)
def test_qualified_name_valid(value: str) -> None:
    assert names.is_qualified_name(value) == []


@pytest.mark.parametrize("value", QUALIFIED_BAD)
def test_qualified_name_invalid(value: str) -> None:
    assert names.is_qualified_name(value)


def test_qualified_name_messages() -> None:
    assert names.is_qualified_name("-x") == [NAME_PART_MSG]
    assert names.is_qualified_name("") == ["name part must be non-empty", NAME_PART_MSG]
    assert names.is_qualified_name("a" * 64) == ["name part must be no more than 63 characters"]
    assert names.is_qualified_name("/x") == ["prefix part must be non-empty"]
    assert names.is_qualified_name("Foo/x") == ["prefix part " + SUBDOMAIN_MSG]
    assert names.is_qualified_name("a/b/c") == [
        "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and "
        "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
        "for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain "
        "prefix and '/' (e.g. 'example.com/MyName')"
    ]


@pytest.mark.parametrize(
    "value",
    ["", "simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", "a" * 63, "My_Value.1"],
)
def test_label_value_valid(value: str) -> None:
    assert names.is_valid_label_value(value) == []


@pytest.mark.parametrize(
    "value",
    [
        "nospecialchars%^=@",
        "Tama-nui-te-rā.is.Māori.sun",
        "\\backslashes\\",
        "-starts-with-dash",
        "ends-with-dash-",
        ".starts.with.dot",
        "ends.with.dot.",
        "a" * 64,
        "bad value!",
    ],
)
def test_label_value_invalid(value: str) -> None:
    assert names.is_valid_label_value(value)


def test_label_value_message() -> None:
    assert names.is_valid_label_value("bad value!") == [LABEL_VALUE_MSG]
    assert names.is_valid_label_value("a" * 64) == ["must be no more than 63 characters"]


# --- identifiers, keys, ports ----------------------------------------------------------------


def test_c_identifier() -> None:
    for ok in ["a", "_a", "A_1", "__x__"]:
        assert names.is_c_identifier(ok) == []
    assert names.is_c_identifier("1a") == [
        "a valid C identifier must start with alphabetic character or '_', followed by a string of "
        "alphanumeric characters or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName', regex used for "
        "validation is '[A-Za-z_][A-Za-z0-9_]*')"
    ]
    for bad in ["", "-", "a-b", "a.b", "a b"]:
        assert names.is_c_identifier(bad)


def test_env_var_names_are_relaxed() -> None:
    for ok in ["PATH", "my.env-name", "1STARTS_WITH_DIGIT", "with space", "$weird!", "."]:
        assert names.is_env_var_name(ok) == []
    assert names.is_env_var_name("") == ["environment variable name must be non-empty"]
    msg = "a valid environment variable name must consist only of printable ASCII characters other than '='"
    assert names.is_env_var_name("A=B") == [msg]
    assert names.is_env_var_name("tab\there") == [msg]
    assert names.is_env_var_name("ünïcode") == [msg]


def test_strict_env_var_names() -> None:
    assert names.is_strict_env_var_name("my.env-name") == []
    assert names.is_strict_env_var_name("1A")
    assert names.is_strict_env_var_name("..x") == ["must not start with '..'"]


def test_config_map_key() -> None:
    for ok in ["key", "key.name", "KEY_NAME", "key-name", ".dotfile", "a" * 253]:
        assert names.is_config_map_key(ok) == []
    assert names.is_config_map_key("a/b") == [
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  "
        "or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
    ]
    assert names.is_config_map_key(".") == ["must not be '.'"]
    assert names.is_config_map_key("..") == ["must not be '..'"]
    assert names.is_config_map_key("..x") == ["must not start with '..'"]
    assert names.is_config_map_key("a" * 254) == ["must be no more than 253 characters"]


def test_port_numbers() -> None:
    assert names.is_valid_port_num(1) == []
    assert names.is_valid_port_num(65535) == []
    assert names.is_valid_port_num(0) == ["must be between 1 and 65535, inclusive"]
    assert names.is_valid_port_num(65536) == ["must be between 1 and 65535, inclusive"]


def test_port_names() -> None:
    for ok in ["http", "h", "a1", "my-port", "a" * 15, "1x"]:
        assert names.is_valid_port_name(ok) == []
    assert names.is_valid_port_name("a" * 16) == ["must be no more than 15 characters"]
    assert names.is_valid_port_name("HTTP") == [
        "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
        "must contain at least one letter (a-z)",
    ]
    assert names.is_valid_port_name("123") == ["must contain at least one letter (a-z)"]
    assert names.is_valid_port_name("a--b") == ["must not contain consecutive hyphens"]
    assert names.is_valid_port_name("-ab") == ["must not begin or end with a hyphen"]
    assert names.is_valid_port_name("") == [
        "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
        "must contain at least one letter (a-z)",
    ]


def test_percent_and_header() -> None:
    assert names.is_valid_percent("25%") == []
    assert names.is_valid_percent("25") == [
        "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', "
        "regex used for validation is '[0-9]+%')"
    ]
    assert names.is_http_header_name("X-Header-1") == []
    assert names.is_http_header_name("X_Header")


# --- IP addresses ----------------------------------------------------------------------------

IP_INVALID = ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]


@pytest.mark.parametrize(
    "value",
    [
        "1.2.3.4",
        "0.0.0.0",
        "255.255.255.255",
        "::",
        "::1",
        "2001:db8::1",
        "1:2:3:4:5:6:7:8",
        "fe80::1:2",
        "::ffff:1.2.3.4",
        "010.001.002.003",
        "2001:DB8::1",
    ],
)
def test_ip_valid_legacy(value: str) -> None:
    assert names.is_valid_ip(value) == []


@pytest.mark.parametrize(
    "value",
    [
        "",
        "1.2.3",
        "1.2.3.4.5",
        "256.1.1.1",
        "1.2.3.-4",
        "a.b.c.d",
        "1.2.3.4 ",
        ":::",
        "1::2::3",
        "1:2:3:4:5:6:7:8:9",
        "12345::",
        "fe80::1%eth0",
        "0x1::",
        "+1::",
        "1.2.3.4/32",
        "g::1",
    ],
)
def test_ip_invalid(value: str) -> None:
    assert names.is_valid_ip(value) == IP_INVALID


def test_ip_strict_and_canonical() -> None:
    assert names.is_valid_ip("010.1.2.3", strict=True) == ["must not have leading 0s"]
    assert names.is_valid_ip("::ffff:1.2.3.4", strict=True) == ["must not be an IPv4-mapped IPv6 address"]
    assert names.is_valid_ip("2001:DB8::1", strict=True) == []
    assert names.is_valid_ip("2001:DB8::1", canonical=True) == ['must be in canonical form ("2001:db8::1")']
    assert names.is_valid_ip("2001:db8:0:0:0:0:0:1", canonical=True) == [
        'must be in canonical form ("2001:db8::1")'
    ]
    assert names.is_valid_ip("10.0.0.1", canonical=True) == []
