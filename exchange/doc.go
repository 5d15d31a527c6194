// Package exchange brings books in and out of fieldcrm: import from CSV,
// TSV, Excel (.xlsx), vCard and fieldcrm's own JSON export; export to CSV,
// Excel, JSON and iCalendar; and find likely duplicate leads.
//
// Import reads the whole file, detects its format, text encoding (UTF-8
// with or without BOM, UTF-16 with BOM, GB18030/GBK) and delimiter, maps
// its columns to lead fields from header names in English and Chinese
// (including the names Pipedrive, HubSpot and Salesforce export), and
// writes the rows in batches of one transaction each. Rows that match an
// existing lead by id, normalised company name, e-mail or phone update it
// instead of creating a twin; unchanged rows write nothing, so an import
// can be re-run. Invalid rows are reported with row, column and reason and
// written to a rejects file; the valid rows still import.
//
// The UI calls Import (or ImportFile) with Options.DryRun for a preview
// and Options.Progress for a progress bar; the CLI does the same.
package exchange
