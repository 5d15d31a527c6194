package remote

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Key is an SSH public key as the server lists it (GET /v1/keys).
type Key struct {
	Fingerprint string    `json:"fingerprint"` // SHA256:..., as ssh-keygen -l prints it
	User        string    `json:"user"`
	Type        string    `json:"type"`
	Key         string    `json:"key"`
	Comment     string    `json:"comment,omitempty"`
	Added       time.Time `json:"added"`
}

// maxKeysAnswer bounds the answer of a key list: a few keys of a few
// kilobytes each.
const maxKeysAnswer = 1 << 20

// AddKey registers one of the user's own SSH public keys (one line of a
// .pub file) for the server's SSH front.
func (c *Client) AddKey(ctx context.Context, line string) (Key, error) {
	var k Key
	body, err := json.Marshal(map[string]string{"key": line})
	if err != nil {
		return k, err
	}
	data, err := c.do(ctx, http.MethodPost, "/v1/keys", nil, body, maxKeysAnswer)
	if err != nil {
		return k, err
	}
	if err := json.Unmarshal(data, &k); err != nil {
		return k, fmt.Errorf("the server's answer: %w", err)
	}
	return k, nil
}

// Keys lists the user's SSH public keys.
func (c *Client) Keys(ctx context.Context) ([]Key, error) {
	data, err := c.do(ctx, http.MethodGet, "/v1/keys", nil, nil, maxKeysAnswer)
	if err != nil {
		return nil, err
	}
	keys := []Key{}
	if err := json.Unmarshal(data, &keys); err != nil {
		return nil, fmt.Errorf("the server's answer: %w", err)
	}
	return keys, nil
}
