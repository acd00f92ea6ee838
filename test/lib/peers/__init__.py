"""Real test peers (strongSwan, Libreswan, dnsmasq).

The modules live in test/peers/ next to their tests; this package only
points there, so `from peers import strongswan` works for every test that
has test/lib on PYTHONPATH (test_env in test/meson.build does).
"""
import os as _os

__path__ = [_os.path.normpath(_os.path.join(_os.path.dirname(__file__), "..", "..", "peers"))]
