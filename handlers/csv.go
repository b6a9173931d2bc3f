package handlers

// ByteOrderMark starts the CSV files people open in a spreadsheet: without
// it Excel reads UTF-8 as the local code page, and "José Núñez" turns into
// "JosÃ© NÃºÃ±ez". Other programs skip it or show it as an invisible first
// character; `nobom` (and --no-bom) leave it out.
const ByteOrderMark = "\ufeff"

// bomIf is the byte-order mark when a file should have one.
func bomIf(bom bool) string {
	if bom {
		return ByteOrderMark
	}
	return ""
}
