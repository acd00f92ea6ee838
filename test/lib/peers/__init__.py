"""Real test peers (strongSwan, Libreswan, dnsmasq) and the standard lab.

    from peers import strongswan, libreswan, dnsmasq, lab

Every test has test/lib on PYTHONPATH (test_env in test/meson.build;
scripts/demo.sh sets it too). The tests that prove the peers work are
test/peers/test_*.py.
"""
