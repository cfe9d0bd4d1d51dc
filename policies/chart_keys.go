package policies

// Cilium chart values files that carry no key only Cilium's chart uses (an overlay with
// just `cluster:` or `ipam:`) are recognised by where they sit and by every top-level key
// being one the chart declares; see ChartValuesShaped.

// ciliumChartKeys are the top-level properties of the Cilium chart's values.schema.json
// (install/kubernetes/cilium, v1.20.2), plus `tunnel`, which charts up to 1.14 read, and
// `highScaleIPcache`, which charts up to 1.17 read; the rules still honour both.
// TestChartKeysMatchUpstream keeps the list in step with the chart.
var ciliumChartKeys = setOf(
	"MTU", "affinity", "agent", "agentNotReadyTaintKey", "aksbyocni", "alibabacloud",
	"annotateK8sNode", "annotations", "apiRateLimit", "authentication", "autoDirectNodeRoutes",
	"azure", "bandwidthManager", "bgpControlPlane", "bpf", "bpfClockProbe", "certgen", "cgroup",
	"ciliumEndpointSlice", "cleanBpfState", "cleanState", "cluster", "clustermesh", "cni",
	"commonLabels", "configDriftDetection", "connectivityProbeFrequencyRatio",
	"conntrackGCInterval", "conntrackGCMaxInterval", "crdWaitTimeout", "daemon", "dashboards",
	"datapathPlugins", "debug", "defaultLBServiceIPAM", "devices", "directRoutingSkipUnreachable",
	"disableEndpointCRD", "dnsPolicy", "dnsProxy", "egressGateway", "enableCriticalPriorityClass",
	"enableIPv4BIGTCP", "enableIPv4Masquerade", "enableIPv6BIGTCP", "enableIPv6Masquerade",
	"enableInternalTrafficPolicy", "enableLBIPAM", "enableMasqueradeRouteSource",
	"enableNoServiceEndpointsRoutable", "enableNonDefaultDenyPolicies", "enableXTSocketFallback",
	"encryption", "endpointHealthChecking", "endpointLockdownOnMapOverflow",
	"endpointPolicyUpdateTimeoutDuration", "endpointRoutes", "eni", "envoy", "envoyConfig", "etcd",
	"extraArgs", "extraConfig", "extraContainers", "extraEnv", "extraHostPathMounts",
	"extraInitContainers", "extraVolumeMounts", "extraVolumes", "forceDeviceDetection",
	"gatewayAPI", "gke", "global", "healthCheckICMPFailureThreshold", "healthChecking",
	"healthPort", "hostFirewall", "hubble", "identityAllocationMode", "identityChangeGracePeriod",
	"identityManagementMode", "image", "imagePullSecrets", "ingressController", "initResources",
	"installNoConntrackIptablesRules", "ipMasqAgent", "ipam", "iptablesRandomFully", "ipv4",
	"ipv4NativeRoutingCIDR", "ipv6", "ipv6NativeRoutingCIDR", "k8s", "k8sClientExponentialBackoff",
	"k8sClientRateLimit", "k8sClusterNetworkPolicy", "k8sNetworkPolicy", "k8sServiceHost",
	"k8sServiceHostRef", "k8sServiceLookupConfigMapName", "k8sServiceLookupNamespace",
	"k8sServicePort", "keepDeprecatedLabels", "keepDeprecatedProbes", "kubeConfigPath",
	"kubeProxyReplacement", "kubeProxyReplacementHealthzBindAddr", "l2NeighDiscovery",
	"l2announcements", "l2podAnnouncements", "l7Proxy", "livenessProbe", "loadBalancer",
	"localRedirectPolicies", "localRedirectPolicy", "logSystemLoad", "maglev", "minReadySeconds",
	"monitor", "name", "namespaceOverride", "nat", "nat46x64Gateway",
	"nativeRoutingCIDRFromClusterPool", "nodeIPAM", "nodePort", "nodeSelector",
	"nodeSelectorLabels", "nodeinit", "operator", "pmtuDiscovery", "podAnnotations", "podLabels",
	"podSecurityContext", "policyCIDRMatchMode", "policyDenyResponse", "policyEnforcementMode",
	"pprof", "preferIpv6", "preflight", "priorityClassName", "prometheus", "rbac",
	"readinessProbe", "resourceQuotas", "resources", "rollOutCiliumPods", "routingMode",
	"scheduling", "sctp", "secretsNamespaceAnnotations", "secretsNamespaceLabels",
	"securityContext", "serviceAccounts", "serviceNoBackendResponse", "sleepAfterInit", "socketLB",
	"standaloneDnsProxy", "startupProbe", "synchronizeK8sNodes", "sysctlfix",
	"terminationGracePeriodSeconds", "tls", "tmpVolume", "tolerations", "tunnelPort",
	"tunnelProtocol", "tunnelSourcePortRange", "underlayProtocol", "updateStrategy",
	"upgradeCompatibility", "vtep", "waitForKubeProxy", "wellKnownIdentities",
	"tunnel", "highScaleIPcache",
)

// ruleReadKeys are the top-level chart keys the rules read settings from (the roots of
// helm_paths in lib/cilium.rego, and extraConfig). An overlay without any of them
// changes nothing a rule sees, so it need not be claimed as Cilium values.
var ruleReadKeys = setOf("MTU", "cluster", "clustermesh", "cni", "daemon", "devices", "egressGateway", "encryption", "eni", "enableNonDefaultDenyPolicies",
	"extraConfig", "forceDeviceDetection", "gke", "highScaleIPcache", "hostFirewall", "ipam", "ipv4", "ipv6", "namespaceOverride", "pmtuDiscovery", "routingMode", "tunnel",
	"tunnelPort", "tunnelProtocol", "underlayProtocol")

// ruleReadConfigKeys are the cilium-config keys the rules read (read_keys in
// lib/cilium.rego, less the Helm-only ones): a deferred value of any other key of a
// cilium-config ConfigMap, or of extraConfig, changes nothing a rule sees.
var ruleReadConfigKeys = setOf("allow-icmp-frag-needed", "allow-unsafe-policy-skb-usage", "cluster-id", "cluster-name",
	"cluster-pool-ipv4-cidr", "cluster-pool-ipv6-cidr", "cni-chaining-mode", "devices", "enable-egress-gateway",
	"enable-high-scale-ipcache", "enable-host-firewall", "enable-icmp-rules", "enable-ipsec", "enable-ipv4",
	"enable-ipv4-egress-gateway", "enable-ipv6", "enable-non-default-deny-policies", "enable-pmtu-discovery",
	"enable-route-mtu-for-cni-chaining", "enable-wireguard", "force-device-detection", "ipam", "max-connected-clusters",
	"mtu", "packetization-layer-pmtud-mode", "read-cni-conf", "routing-mode", "tunnel", "tunnel-port",
	"tunnel-protocol", "underlay-protocol")

// HasCiliumSettings reports whether obj, a document without apiVersion/kind, has a
// top-level key the rules read Cilium settings from: a value file an Argo CD
// Application names may be any such document, whatever else it holds.
func HasCiliumSettings(obj map[string]any) bool {
	if apiVersion, kind := TypeMeta(obj); apiVersion != "" || kind != "" {
		return false
	}
	for k := range obj {
		if ruleReadKeys[k] {
			return true
		}
	}
	return false
}

// ChartValuesShaped reports whether obj could be Cilium chart values although no key
// names Cilium alone: HasCiliumSettings, and every top-level key is one the chart
// declares. Other charts' values rarely pass (their own top-level keys are not
// Cilium's); the caller adds where the file sits.
func ChartValuesShaped(obj map[string]any) bool {
	return HasCiliumSettings(obj) && OnlyChartKeys(obj)
}

// OnlyChartKeys reports whether every top-level key of obj is one Cilium's chart declares:
// values that may be Cilium's, though they set nothing the rules read.
func OnlyChartKeys(obj map[string]any) bool {
	for k := range obj {
		if !ciliumChartKeys[k] {
			return false
		}
	}
	return true
}

func setOf(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}
