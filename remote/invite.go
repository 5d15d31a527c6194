package remote

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/fieldcrm/fieldcrm/wire"
)

// Redeem exchanges an invitation code for the account's new token (POST
// /v1/invite). The client needs no token for it.
func (c *Client) Redeem(ctx context.Context, code string) (wire.Redeemed, error) {
	var r wire.Redeemed
	body, err := json.Marshal(wire.RedeemRequest{Code: code})
	if err != nil {
		return r, err
	}
	data, err := c.do(ctx, http.MethodPost, "/v1/invite", nil, body, 1<<20)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(data, &r); err != nil || r.Token == "" || r.User == "" {
		return r, fmt.Errorf("the server's answer to the invitation is not valid")
	}
	return r, nil
}
