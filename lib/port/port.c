/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>

#include "port.h"

/* The device name is the devargs up to the first comma. */
static void
dev_name(const char *devargs, char *name, size_t len)
{
	size_t n = strcspn(devargs, ",");

	snprintf(name, len, "%.*s", (int)RTE_MIN(n, len - 1), devargs);
}

static int
find_or_probe(const char *devargs, struct port_handle *h, char *err, size_t errlen)
{
	uint16_t id;
	int rc;

	dev_name(devargs, h->name, sizeof(h->name));
	if (rte_eth_dev_get_port_by_name(h->name, &id) == 0) {
		h->port_id = id;
		return 0;
	}
	rc = rte_dev_probe(devargs);
	if (rc != 0) {
		/* The driver logged why; its error code says little. */
		snprintf(err, errlen,
			 "%s: the driver refused the device or its arguments "
			 "(see its message above)",
			 h->name);
		return rc;
	}
	if (rte_eth_dev_get_port_by_name(h->name, &id) != 0) {
		snprintf(err, errlen, "%s: probed, but it is not an Ethernet device", h->name);
		return -ENODEV;
	}
	h->port_id = id;
	h->probed = true;
	return 0;
}

static int
configure(struct port_handle *h, uint16_t nb_queues, uint16_t mtu, char *err, size_t errlen)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf = { .rxmode = { .mtu = mtu } };
	int rc;

	rc = rte_eth_dev_info_get(h->port_id, &info);
	if (rc != 0) {
		snprintf(err, errlen, "%s: no device info (%s)", h->name, strerror(-rc));
		return rc;
	}
	if (info.max_rx_queues < nb_queues || info.max_tx_queues < nb_queues) {
		snprintf(err, errlen,
			 "%s (%s) offers %u RX / %u TX queues, %u workers need %u "
			 "(e.g. qpairs=%u for net_af_packet)",
			 h->name, info.driver_name, info.max_rx_queues, info.max_tx_queues,
			 nb_queues, nb_queues, nb_queues);
		return -EINVAL;
	}
	if (mtu > info.max_mtu || mtu < info.min_mtu) {
		snprintf(err, errlen, "%s: MTU %u outside the device's %u..%u", h->name, mtu,
			 info.min_mtu, info.max_mtu);
		return -EINVAL;
	}
	if (nb_queues > 1 && info.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			info.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
		h->rss = true;
	}
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) {
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
		h->rx_ip_cksum = true;
	}
	rc = rte_eth_dev_configure(h->port_id, nb_queues, nb_queues, &conf);
	if (rc != 0)
		snprintf(err, errlen, "%s: configure failed (%s)", h->name, strerror(-rc));
	return rc;
}

static int
setup_queues(struct port_handle *h, uint16_t nb_queues, struct rte_mempool *pool, char *err,
	     size_t errlen)
{
	uint16_t nb_rxd = PORT_RX_DESC, nb_txd = PORT_TX_DESC;
	int socket = rte_eth_dev_socket_id(h->port_id);
	int rc;

	rc = rte_eth_dev_adjust_nb_rx_tx_desc(h->port_id, &nb_rxd, &nb_txd);
	for (uint16_t q = 0; rc == 0 && q < nb_queues; q++) {
		rc = rte_eth_rx_queue_setup(h->port_id, q, nb_rxd, socket, NULL, pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(h->port_id, q, nb_txd, socket, NULL);
	}
	if (rc != 0)
		snprintf(err, errlen, "%s: queue setup failed (%s)", h->name, strerror(-rc));
	return rc;
}

int
port_open(const char *devargs, uint16_t nb_queues, uint16_t mtu, struct rte_mempool *pool,
	  struct port_handle *h, char *err, size_t errlen)
{
	int rc;

	memset(h, 0, sizeof(*h));
	h->nb_queues = nb_queues;
	rc = find_or_probe(devargs, h, err, errlen);
	if (rc != 0)
		return rc;
	rc = configure(h, nb_queues, mtu, err, errlen);
	if (rc == 0)
		rc = setup_queues(h, nb_queues, pool, err, errlen);
	if (rc == 0) {
		/* Virtual devices may not know MTUs; esphub enforces its own. */
		rc = rte_eth_dev_set_mtu(h->port_id, mtu);
		if (rc == -ENOTSUP)
			rc = 0;
		if (rc != 0)
			snprintf(err, errlen, "%s: cannot set MTU %u (%s)", h->name, mtu,
				 strerror(-rc));
	}
	if (rc == 0) {
		rc = rte_eth_dev_start(h->port_id);
		if (rc != 0)
			snprintf(err, errlen, "%s: start failed (%s)", h->name, strerror(-rc));
	}
	if (rc != 0)
		port_close(h);
	return rc;
}

void
port_close(struct port_handle *h)
{
	struct rte_eth_dev_info info;

	if (rte_eth_dev_info_get(h->port_id, &info) != 0)
		return;
	rte_eth_dev_stop(h->port_id);
	rte_eth_dev_close(h->port_id);
	if (h->probed && info.device != NULL)
		rte_dev_remove(info.device);
}

void
port_link(uint16_t port_id, struct port_link *l)
{
	struct rte_eth_link link;

	memset(l, 0, sizeof(*l));
	if (rte_eth_link_get_nowait(port_id, &link) != 0)
		return;
	l->up = link.link_status == RTE_ETH_LINK_UP;
	l->full_duplex = link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
	l->speed_mbps = link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed;
}

const char *
port_link_str(const struct port_link *l, char *buf, size_t len)
{
	if (!l->up)
		snprintf(buf, len, "down");
	else if (l->speed_mbps == 0)
		snprintf(buf, len, "up");
	else if (l->speed_mbps % 1000 == 0)
		snprintf(buf, len, "up %u Gbps %s", l->speed_mbps / 1000,
			 l->full_duplex ? "full-duplex" : "half-duplex");
	else
		snprintf(buf, len, "up %u Mbps %s", l->speed_mbps,
			 l->full_duplex ? "full-duplex" : "half-duplex");
	return buf;
}
