package policies

import (
	"context"
	"sort"
)

// settingsQuery reads each cluster's effective Cilium settings and base MTU, as the rules
// see them (for `mtuguard explain FILE` and the Helm differential test): what every node
// runs with, CiliumNodeConfigs selecting every node included. A cluster with unknown
// settings, which the MTU rules pass by, has them read as unset (base_mtu 0 if that is
// its mtu).
const settingsQuery = `{c: object.union(s, {
	"base_mtu": object.get(data.mtuguard.lib.mesh.base_mtu, c, data.mtuguard.lib.mesh.base_of(c, s)),
	"primary_sets_mtu": data.mtuguard.lib.mesh.primary_sets_mtu(s),
	"unknown": data.mtuguard.lib.cilium.unknown_of(c),
}) | some c, s in data.mtuguard.lib.nodeconfig.everywhere}`

// ClusterSettings is one cluster's normalised Cilium configuration.
type ClusterSettings struct {
	Cluster              string   `json:"cluster"`
	ClusterName          string   `json:"cluster_name"`
	ClusterID            int      `json:"cluster_id"`
	RoutingMode          string   `json:"routing_mode"`
	TunnelProtocol       string   `json:"tunnel_protocol"`
	TunnelPort           int      `json:"tunnel_port"`
	Underlay             string   `json:"underlay"`
	MTU                  int      `json:"mtu"`
	BaseMTU              int      `json:"base_mtu"`
	Encryption           string   `json:"encryption"`
	EgressGateway        bool     `json:"egress_gateway"`
	HighScaleIPcache     bool     `json:"high_scale_ipcache"`
	Devices              []string `json:"devices"`
	ForceDeviceDetection bool     `json:"force_device_detection"`
	Chaining             string   `json:"chaining"`
	RouteMTUInChaining   bool     `json:"route_mtu_in_chaining"`
	// PrimarySetsMTU: chained to another CNI that gives the pods their MTU, so Cilium's
	// mtu does not reach them and BaseMTU is the node's.
	PrimarySetsMTU bool     `json:"primary_sets_mtu"`
	CustomCNIConf  bool     `json:"custom_cni_conf"`
	IPv4           bool     `json:"ipv4"`
	IPv6           bool     `json:"ipv6"`
	IPAM           string   `json:"ipam"`
	PodCIDRs       []string `json:"pod_cidrs"`
	ClusterMesh    bool     `json:"clustermesh"`
	PLPMTUDMode    string   `json:"plpmtud_mode"`
	AllowFragNeed  bool     `json:"allow_icmp_frag_needed"`
	HostFirewall   bool     `json:"host_firewall"`
	MaxConnected   int      `json:"max_connected_clusters"`
	PMTUDiscovery  bool     `json:"pmtu_discovery"`
	// Unknown are the settings filled in when the config is applied (a Flux substitution
	// variable, a HelmChartProxy's <no value>); the fields above read them as unset.
	Unknown []string `json:"unknown"`
}

// Settings evaluates the normalised settings of every cluster in the input.
func (e *Engine) Settings(ctx context.Context, in Input) ([]ClusterSettings, error) {
	value, err := in.regoValue()
	if err != nil {
		return nil, err
	}
	var byCluster map[string]ClusterSettings
	if err := e.evalInto(ctx, e.clusters, value, &byCluster); err != nil {
		return nil, err
	}
	out := make([]ClusterSettings, 0, len(byCluster))
	for _, s := range byCluster {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Cluster < out[j].Cluster })
	return out, nil
}
