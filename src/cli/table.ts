// Tables on the terminal as kubectl prints them (printers.GetNewTabWriter: columns padded to the
// widest cell, three spaces between them, nothing after the last).

/** Prints rows (the first is the header) in aligned columns. */
export function printTable(rows: string[][]): void {
  if (rows.length === 0) return;
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const r of rows)
    console.log(
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('   ')
        .trimEnd(),
    );
}
