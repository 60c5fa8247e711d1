"""Name and identifier syntax checks, worded as upstream's ``k8s.io/apimachinery`` validators.

Every ``is_*`` function returns a list of problem descriptions (an empty list means valid), the
same contract as upstream's ``IsDNS1123Subdomain`` and friends; callers wrap each description in
a :class:`~kapi.machinery.errors.FieldError` (``Invalid``) with the field path and value. The
message texts match upstream's (Kubernetes 1.33) character for character, because users and
clients read and match on them.

``name_is_*`` are "name rules" with upstream's ``ValidateNameFunc`` shape ``(name, prefix)``:
``prefix=True`` checks a ``generateName``, which may end in ``-`` because random characters are
appended to it.

Lengths are counted in UTF-8 bytes, as Go's ``len`` does.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

NameRule = Callable[[str, bool], list[str]]

DNS1123_LABEL_MAX_LENGTH = 63
DNS1123_SUBDOMAIN_MAX_LENGTH = 253
DNS1035_LABEL_MAX_LENGTH = 63
LABEL_VALUE_MAX_LENGTH = 63
QUALIFIED_NAME_MAX_LENGTH = 63
PORT_NAME_MAX_LENGTH = 15

IS_NEGATIVE_ERROR_MSG = "must be greater than or equal to 0"


# --- message helpers (upstream's MaxLenError, RegexError, EmptyError, InclusiveRangeError) ------


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """``<msg> (e.g. 'a' or 'b', regex used for validation is '<fmt>')``."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def empty_error() -> str:
    return "must be non-empty"


def inclusive_range_error(lo: int, hi: int) -> str:
    return f"must be between {lo} and {hi}, inclusive"


def _blen(value: str) -> int:
    return len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))


# --- formats ---------------------------------------------------------------------------------

_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)
_DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_DNS1035_LABEL_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character"
)
_QNAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QNAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character"
)
_LABEL_VALUE_FMT = "(" + _QNAME_FMT + ")?"
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_C_IDENTIFIER_FMT = "[A-Za-z_][A-Za-z0-9_]*"
_C_IDENTIFIER_MSG = (
    "a valid C identifier must start with alphabetic character or '_', followed by a string of "
    "alphanumeric characters or '_'"
)
_ENV_VAR_FMT = "[-._a-zA-Z][-._a-zA-Z0-9]*"
_ENV_VAR_MSG = (
    "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', "
    "or '.', and must not start with a digit"
)
_RELAXED_ENV_VAR_MSG = (
    "a valid environment variable name must consist only of printable ASCII characters other than '='"
)
_CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"
_CONFIG_MAP_KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
_PERCENT_FMT = "[0-9]+%"
_PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%'"
_HTTP_HEADER_FMT = "[-A-Za-z0-9]+"
_HTTP_HEADER_MSG = "a valid HTTP header must consist of alphanumeric characters or '-'"
_WILDCARD_FMT = "\\*\\." + _DNS1123_SUBDOMAIN_FMT
_WILDCARD_MSG = (
    "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which "
    "must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character"
)

# Python's ``$`` also matches before a trailing newline; Go's does not, so always fullmatch.
_DNS1123_LABEL_RE = re.compile(_DNS1123_LABEL_FMT, re.ASCII)
_DNS1123_SUBDOMAIN_RE = re.compile(_DNS1123_SUBDOMAIN_FMT, re.ASCII)
_DNS1035_LABEL_RE = re.compile(_DNS1035_LABEL_FMT, re.ASCII)
_QNAME_RE = re.compile(_QNAME_FMT, re.ASCII)
_LABEL_VALUE_RE = re.compile(_LABEL_VALUE_FMT, re.ASCII)
_C_IDENTIFIER_RE = re.compile(_C_IDENTIFIER_FMT, re.ASCII)
_ENV_VAR_RE = re.compile(_ENV_VAR_FMT, re.ASCII)
_CONFIG_MAP_KEY_RE = re.compile(_CONFIG_MAP_KEY_FMT, re.ASCII)
_PERCENT_RE = re.compile(_PERCENT_FMT, re.ASCII)
_HTTP_HEADER_RE = re.compile(_HTTP_HEADER_FMT, re.ASCII)
_WILDCARD_RE = re.compile(_WILDCARD_FMT, re.ASCII)
_PORT_NAME_CHARSET_RE = re.compile("[-a-z0-9]+", re.ASCII)
_HAS_LETTER_RE = re.compile("[a-z]")


# --- DNS names ---------------------------------------------------------------------------------


def is_dns1123_label(value: str) -> list[str]:
    """A lowercase RFC 1123 label (``my-name``), at most 63 characters."""
    errs: list[str] = []
    if _blen(value) > DNS1123_LABEL_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_LABEL_MAX_LENGTH))
    if _DNS1123_LABEL_RE.fullmatch(value) is None:
        if _DNS1123_SUBDOMAIN_RE.fullmatch(value) is not None:
            # a valid subdomain but not a label: the only difference is dots
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(_DNS1123_LABEL_MSG, _DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    """A lowercase RFC 1123 subdomain (``example.com``), at most 253 characters."""
    errs: list[str] = []
    if _blen(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if _DNS1123_SUBDOMAIN_RE.fullmatch(value) is None:
        errs.append(regex_error(_DNS1123_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    """An RFC 1035 label: like a 1123 label but starting with a letter (service names)."""
    errs: list[str] = []
    if _blen(value) > DNS1035_LABEL_MAX_LENGTH:
        errs.append(max_len_error(DNS1035_LABEL_MAX_LENGTH))
    if _DNS1035_LABEL_RE.fullmatch(value) is None:
        errs.append(regex_error(_DNS1035_LABEL_MSG, _DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def is_wildcard_dns1123_subdomain(value: str) -> list[str]:
    """``*.example.com``."""
    errs: list[str] = []
    if _blen(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if _WILDCARD_RE.fullmatch(value) is None:
        errs.append(regex_error(_WILDCARD_MSG, _WILDCARD_FMT, "*.example.com"))
    return errs


# --- labels, annotations, identifiers -----------------------------------------------------------


def _qualified_name_format_error() -> str:
    return (
        "a qualified name "
        + regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name", "123-abc")
        + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
    )


def is_qualified_name(value: str) -> list[str]:
    """A label/annotation key/finalizer: ``[prefix/]name``, prefix a DNS subdomain, name ≤ 63."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = value
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part " + empty_error())
        else:
            errs.extend("prefix part " + m for m in is_dns1123_subdomain(prefix))
    else:
        return [_qualified_name_format_error()]
    if not name:
        errs.append("name part " + empty_error())
    elif _blen(name) > QUALIFIED_NAME_MAX_LENGTH:
        errs.append("name part " + max_len_error(QUALIFIED_NAME_MAX_LENGTH))
    if _QNAME_RE.fullmatch(name) is None:
        errs.append("name part " + regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name", "123-abc"))
    return errs


def is_valid_label_value(value: str) -> list[str]:
    """A label value: empty, or a name part of at most 63 characters."""
    errs: list[str] = []
    if _blen(value) > LABEL_VALUE_MAX_LENGTH:
        errs.append(max_len_error(LABEL_VALUE_MAX_LENGTH))
    if _LABEL_VALUE_RE.fullmatch(value) is None:
        errs.append(regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def is_c_identifier(value: str) -> list[str]:
    """A C identifier (no length limit)."""
    if _C_IDENTIFIER_RE.fullmatch(value) is None:
        return [regex_error(_C_IDENTIFIER_MSG, _C_IDENTIFIER_FMT, "my_name", "MY_NAME", "MyName")]
    return []


def _chdir_prefix(value: str) -> list[str]:
    if value == ".":
        return ["must not be '.'"]
    if value == "..":
        return ["must not be '..'"]
    if value.startswith(".."):
        return ["must not start with '..'"]
    return []


def is_strict_env_var_name(value: str) -> list[str]:
    """The pre-1.32 environment variable rule (``RelaxedEnvironmentVariableValidation`` off)."""
    errs: list[str] = []
    if _ENV_VAR_RE.fullmatch(value) is None:
        errs.append(regex_error(_ENV_VAR_MSG, _ENV_VAR_FMT, "my.env-name", "MY_ENV.NAME", "MyEnvName1"))
    errs.extend(_chdir_prefix(value))
    return errs


def is_env_var_name(value: str) -> list[str]:
    """An environment variable name as 1.33 accepts it (relaxed: printable ASCII except ``=``)."""
    errs: list[str] = []
    if not value:
        errs.append("environment variable name " + empty_error())
    for ch in value:
        if ch > "\x7f" or not ch.isprintable() or ch == "=":
            errs.append(_RELAXED_ENV_VAR_MSG)
            break
    return errs


def is_config_map_key(value: str) -> list[str]:
    """A ConfigMap/Secret data key."""
    errs: list[str] = []
    if _blen(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if _CONFIG_MAP_KEY_RE.fullmatch(value) is None:
        errs.append(regex_error(_CONFIG_MAP_KEY_MSG, _CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    errs.extend(_chdir_prefix(value))
    return errs


def is_valid_percent(value: str) -> list[str]:
    if _PERCENT_RE.fullmatch(value) is None:
        return [regex_error(_PERCENT_MSG, _PERCENT_FMT, "1%", "93%")]
    return []


def is_http_header_name(value: str) -> list[str]:
    if _HTTP_HEADER_RE.fullmatch(value) is None:
        return [regex_error(_HTTP_HEADER_MSG, _HTTP_HEADER_FMT, "X-Header-Name")]
    return []


# --- ports and numbers -----------------------------------------------------------------------


def is_valid_port_num(port: int) -> list[str]:
    """1..65535."""
    if 1 <= port <= 65535:
        return []
    return [inclusive_range_error(1, 65535)]


def is_in_range(value: int, lo: int, hi: int) -> list[str]:
    if lo <= value <= hi:
        return []
    return [inclusive_range_error(lo, hi)]


def is_valid_user_id(uid: int) -> list[str]:
    return is_in_range(uid, 0, 2**31 - 1)


def is_valid_group_id(gid: int) -> list[str]:
    return is_in_range(gid, 0, 2**31 - 1)


def is_valid_port_name(port: str) -> list[str]:
    """An IANA service name: ≤ 15 of ``[-a-z0-9]``, a letter, no ``--``, no edge hyphens."""
    errs: list[str] = []
    if _blen(port) > PORT_NAME_MAX_LENGTH:
        errs.append(max_len_error(PORT_NAME_MAX_LENGTH))
    if _PORT_NAME_CHARSET_RE.fullmatch(port) is None:
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if _HAS_LETTER_RE.search(port) is None:
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


# --- IP addresses ----------------------------------------------------------------------------

_HEX_DIGITS = "0123456789abcdefABCDEF"
_IP_INVALID_MSG = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"


def _parse_ipv4_sloppy(text: str) -> tuple[bytes, bool] | None:
    """Dotted quad as Go's ``ParseIPSloppy`` reads it (leading zeros allowed, decimal).

    Returns the four bytes and whether any part had a leading zero.
    """
    parts = text.split(".")
    if len(parts) != 4:
        return None
    out = bytearray()
    leading_zero = False
    for part in parts:
        if not part or len(part) > 3 or not (part.isascii() and part.isdigit()):
            return None
        n = int(part)
        if n > 255:
            return None
        if len(part) > 1 and part[0] == "0":
            leading_zero = True
        out.append(n)
    return bytes(out), leading_zero


def _parse_ipv6_sloppy(text: str) -> tuple[bytes, bool] | None:
    """IPv6 (with an optional embedded dotted quad); returns 16 bytes and leading-zero flag."""
    if "%" in text or not text.isascii():
        return None
    leading_zero = False
    tail = b""
    if "." in text:
        # an embedded dotted quad stands for the last two groups
        cut = text.rfind(":")
        if cut < 0:
            return None
        v4 = _parse_ipv4_sloppy(text[cut + 1 :])
        if v4 is None:
            return None
        tail, leading_zero = v4
        text = text[: cut + 1] + "0:0"
    if text.count("::") > 1:
        return None

    def _groups(chunk: str) -> list[int] | None:
        if not chunk:
            return []
        vals: list[int] = []
        for g in chunk.split(":"):
            if not g or len(g) > 4 or g.strip(_HEX_DIGITS):
                return None
            vals.append(int(g, 16))
        return vals

    if "::" in text:
        head_s, rest_s = text.split("::")
        head, rest = _groups(head_s), _groups(rest_s)
        if head is None or rest is None or len(head) + len(rest) >= 8:
            return None
        words = head + [0] * (8 - len(head) - len(rest)) + rest
    else:
        got = _groups(text)
        if got is None or len(got) != 8:
            return None
        words = got
    packed = b"".join(w.to_bytes(2, "big") for w in words)
    if tail:
        packed = packed[:12] + tail
    return packed, leading_zero


def _parse_ip_sloppy(value: str) -> tuple[bytes, bool] | None:
    if ":" in value:
        return _parse_ipv6_sloppy(value)
    return _parse_ipv4_sloppy(value)


_V4_IN_V6_PREFIX = b"\x00" * 10 + b"\xff\xff"


def _ip_string(raw: bytes) -> str:
    """Go's ``net.IP.String()``: IPv4-mapped addresses print as dotted quads."""
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw))
    if raw[:12] == _V4_IN_V6_PREFIX:
        return str(ipaddress.IPv4Address(raw[12:]))
    return str(ipaddress.IPv6Address(raw))


def is_valid_ip(value: str, *, strict: bool = False, canonical: bool = False) -> list[str]:
    """An IP address.

    ``strict=False`` is 1.33's rule for existing ("legacy") fields such as ``spec.clusterIP``
    (``IsValidIPForLegacyField`` with ``StrictIPCIDRValidation`` off): leading zeros and
    IPv4-mapped IPv6 are accepted. ``strict=True`` rejects both; ``canonical=True`` (upstream's
    ``IsValidIP`` for new fields) also requires the canonical spelling.
    """
    parsed = _parse_ip_sloppy(value)
    if parsed is None:
        return [_IP_INVALID_MSG]
    raw, leading_zero = parsed
    if not (strict or canonical):
        return []
    errs: list[str] = []
    if leading_zero:
        errs.append("must not have leading 0s")
    is_mapped = ":" in value and raw[:12] == _V4_IN_V6_PREFIX
    if is_mapped:
        errs.append("must not be an IPv4-mapped IPv6 address")
    if canonical and not errs:
        text = _ip_string(raw)
        if text != value:
            errs.append(f'must be in canonical form ("{text}")')
    return errs


# --- object names ----------------------------------------------------------------------------


def _mask_trailing_dash(name: str) -> str:
    # Upstream replaces the last *two* characters with "a" (a quirk kept for identical results).
    if len(name) > 1 and name.endswith("-"):
        return name[:-2] + "a"
    return name


def name_is_dns_subdomain(name: str, prefix: bool) -> list[str]:
    """Name rule for most kinds (``ValidateNameFunc`` ``NameIsDNSSubdomain``)."""
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool) -> list[str]:
    """Name rule for namespaces, pods' hostnames and the like (``NameIsDNSLabel``)."""
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool) -> list[str]:
    """Name rule for services (``NameIsDNS1035Label``)."""
    return is_dns1035_label(_mask_trailing_dash(name) if prefix else name)


validate_namespace_name = name_is_dns_label
validate_service_account_name = name_is_dns_subdomain


def path_segment_name_errors(name: str, prefix: bool = False) -> list[str]:
    """Names usable as one URL path segment (``ValidatePathSegmentName``).

    Not ``.`` or ``..`` (unless ``prefix``, where a suffix follows), and no ``/`` or ``%``.
    """
    if not prefix:
        if name == ".":
            return ["may not be '.'"]
        if name == "..":
            return ["may not be '..'"]
    errs: list[str] = []
    if "/" in name:
        errs.append("may not contain '/'")
    if "%" in name:
        errs.append("may not contain '%'")
    return errs


def name_is_path_segment(name: str, prefix: bool) -> list[str]:
    """Name rule for kinds whose names only need to be path-safe (e.g. RBAC roles)."""
    return path_segment_name_errors(name, prefix)
