package policies

import (
	"context"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// BudgetQuery describes one node's datapath for the byte-budget arithmetic.
type BudgetQuery struct {
	BaseMTU        int    `json:"base"`         // Cilium's `mtu`, else the node interface MTU
	RoutingMode    string `json:"routing_mode"` // "tunnel" or "native"
	Underlay       string `json:"underlay"`     // "ipv4" or "ipv6"
	Encryption     string `json:"encryption"`   // "none", "wireguard" or "ipsec"
	IPsecKeyLength int    `json:"ipsec_key_length,omitempty"`
	// Features that make Cilium keep tunnel headroom in native routing.
	EgressGateway    bool   `json:"egress_gateway,omitempty"`
	HighScaleIPcache bool   `json:"high_scale_ipcache,omitempty"` // Cilium 1.16/1.17
	PathMTU          int    `json:"path_mtu,omitempty"`           // 0 = unknown
	Inner            string `json:"inner,omitempty"`              // pod traffic family for the MSS, default ipv4
}

// Budget is the arithmetic's answer; the Safe* fields are set when PathMTU is known.
type Budget struct {
	BaseMTU            int  `json:"base"`
	TunnelOverhead     int  `json:"tunnel_overhead"`
	DSROverhead        int  `json:"dsr_overhead"` // the Geneve DSR option (high-scale ipcache)
	EncryptionOverhead int  `json:"encryption_overhead"`
	Overhead           int  `json:"overhead"`
	PodMTU             int  `json:"pod_mtu"`
	MSS                int  `json:"mss"`
	Wire               int  `json:"wire"` // largest packet on the underlay
	PathMTU            int  `json:"path_mtu"`
	Fits               bool `json:"fits"`
	SafeMTU            int  `json:"safe_mtu"`
	SafePodMTU         int  `json:"safe_pod_mtu"`
	SafeMSS            int  `json:"safe_mss"`
}

// Budget evaluates data.mtuguard.lib.budget, the same arithmetic the rules use.
func (e *Engine) Budget(ctx context.Context, q BudgetQuery) (Budget, error) {
	if q.IPsecKeyLength == 0 {
		q.IPsecKeyLength = 16
	}
	plain, err := toPlain(q)
	if err != nil {
		return Budget{}, err
	}
	input, err := ast.InterfaceToValue(plain)
	if err != nil {
		return Budget{}, err
	}
	rs, err := e.budget.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		return Budget{}, fmt.Errorf("evaluate budget: %w", err)
	}
	if len(rs) == 0 {
		return Budget{}, fmt.Errorf("budget: no answer for %+v (routing mode, underlay and encryption must be set)", q)
	}
	var b Budget
	return b, fromValue(rs[0].Expressions[0].Value, &b)
}
