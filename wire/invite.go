package wire

// RedeemRequest is the body of POST /v1/invite: an invitation code, read
// out or typed by the person invited.
type RedeemRequest struct {
	Code string `json:"code"`
}

// Redeemed answers POST /v1/invite: the account the code was for and its
// new token, which only the redeeming laptop keeps.
type Redeemed struct {
	User  string `json:"user"`
	Role  string `json:"role"`
	Token string `json:"token"`
}
