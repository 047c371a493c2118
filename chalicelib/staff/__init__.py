"""Staff and producer units managed in the product (SPEC §8 "Staff and units"; issue 18): the staff directory
(who holds which staff role, active or not), operators' quota and services (delegation's operator records),
producer units and their members (escalation's unit records and memberships)."""
