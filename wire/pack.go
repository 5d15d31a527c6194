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

// PackEmbed is the parameter of PackType by which a client says, with
// "Accept: application/x-fieldcrm-pack;embed=1", that it reads values
// embedded whole in a packed answer (jsonpack's token 0x18). A server
// then sends a pull page's ops as its log stores them, never unpacked and
// packed again; the Content-Type is PackType all the same. A client from
// before embedding asks without it and gets pages packed whole, and a
// server from before ignores it.
const PackEmbed = "embed"

// AcceptHeader on every answer of a server that takes packed push bodies
// names PackType. A client sends a push as PackType only after it has
// seen that, as it compresses only in a coding Accept-Encoding names, so a
// server from before packing never gets a body it cannot read.
const AcceptHeader = "Fieldcrm-Accept"
