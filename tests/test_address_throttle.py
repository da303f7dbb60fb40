"""Failed sign-ins per network address: the limit, the window, a bounded table."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cpts_workflow.address_throttle import AddressThrottle, address_key
from cpts_workflow.errors import Throttled

from .conftest import FIXED_NOW


def test_blocks_after_the_limit_then_forgets():
    throttle = AddressThrottle(max_failures=3)
    for _ in range(2):
        throttle.failed("192.0.2.1", FIXED_NOW)
    throttle.check("192.0.2.1", FIXED_NOW)  # two failures: still allowed
    throttle.failed("192.0.2.1", FIXED_NOW)
    with pytest.raises(Throttled, match="réessayez dans 15 minutes") as caught:
        throttle.check("192.0.2.1", FIXED_NOW + timedelta(seconds=1))
    assert caught.value.retry_after == 899
    throttle.check("192.0.2.2", FIXED_NOW)  # another address is not concerned
    throttle.check("192.0.2.1", FIXED_NOW + timedelta(minutes=15))


def test_old_failures_leave_the_window():
    throttle = AddressThrottle(max_failures=3, window=timedelta(minutes=15))
    throttle.failed("192.0.2.1", FIXED_NOW)
    throttle.failed("192.0.2.1", FIXED_NOW)
    throttle.failed("192.0.2.1", FIXED_NOW + timedelta(minutes=20))  # a new window starts
    throttle.check("192.0.2.1", FIXED_NOW + timedelta(minutes=20))


def test_the_table_stays_within_its_capacity():
    throttle = AddressThrottle(capacity=100)
    for n in range(5000):
        throttle.failed(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", FIXED_NOW)
    assert len(throttle) == 100


def test_an_ipv6_subscriber_counts_once_for_its_block():
    assert address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert address_key("::ffff:192.0.2.7") == "192.0.2.7"
    assert address_key("pas une adresse" * 10) == ("pas une adresse" * 10)[:64]
