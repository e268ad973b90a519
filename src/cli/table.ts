/** Rows with their columns padded to a common width; the last column is left as it is. */
export function alignColumns(rows: string[][], gap = "  "): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, [...cell].length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, index) =>
        index === row.length - 1
          ? cell
          : cell + " ".repeat((widths[index] ?? 0) - [...cell].length),
      )
      .join(gap)
      .trimEnd(),
  );
}
