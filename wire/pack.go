package wire

// PackType is the media type of a body packed with jsonpack (issue 15):
// the JSON body exactly as it would be sent, passed through jsonpack.Pack.
// A body Pack declined to pack is its JSON and valid under this type too,
// since jsonpack.Unpack returns JSON as it is. zstd or gzip, when used,
// is the Content-Encoding on top of it.
//
// A client asks for packed pull and push answers with "Accept: PackType,
// application/json"; a server that knows the type answers packed with
// this Content-Type, and one that does not answers JSON, as before.
const PackType = "application/x-fieldcrm-pack"

// AcceptHeader on every answer of a server that takes packed push bodies
// names PackType. A client sends a push as PackType only after it has
// seen that, as it compresses only in a coding Accept-Encoding names, so a
// server from before packing never gets a body it cannot read.
const AcceptHeader = "Fieldcrm-Accept"
