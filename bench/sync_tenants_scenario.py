#!/usr/bin/env python3
"""Writes the `kinsync serve` scenario of bench/sync_tenants.sh on stdout:
an Epicor company EPIC06 with PARTS generated parts (GEN-000001...) and
the two fixture customers, and a BigCommerce store holding ORDERS orders
(one line each, a generated part's SKU, the customer orders@acme.example)
seeded in its configuration, so no order is placed over HTTP; the
store's rate limit set to a quota no run reaches.

usage: sync_tenants_scenario.py PARTS ORDERS
"""
import json
import sys

parts, orders = int(sys.argv[1]), int(sys.argv[2])
buyer = {"email": "orders@acme.example", "first_name": "Ann", "last_name": "Lee"}
scenario = {
    "name": "sync_tenants bench tenant",
    "description": f"{parts} generated parts, {orders} seeded orders",
    "given": {
        "epicor": {
            "users": [{"username": "integration", "password": "Bench-Sync-Pa55!"}],
            "api_keys": [{"key": "bench-sync-epicor-key"}],
            "companies": {"EPIC06": {
                "customers": {"$fixture": "epicor/customers/two.json"}}},
            "generate": {"parts": parts, "company": "EPIC06"},
            "start_order_num": 5000,
        },
        "bigcommerce": {
            "store_hash": "bench1",
            "access_tokens": ["tok_bench_sync"],
            "client_secret": "cs_bench_sync",
            # A quota no run reaches: the figures measure kinsync, not the
            # plan's rate limit (150 requests per 30 s would make every
            # store's parts run last 500 / 5 s whatever the workers).
            "rate_limit": {"quota": 1000000000, "window_ms": 30000},
            "orders": [{
                "customer": buyer, "billing_address": buyer,
                "products": [{"sku": "GEN-%06d" % (1 + i % parts),
                              "quantity": 1 + i % 3, "price": 10.5}],
            } for i in range(orders)],
        },
    },
    "when": [],
}
json.dump(scenario, sys.stdout, indent=1)
