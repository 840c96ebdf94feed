// How every benchmark rounds a figure for its JSON line: to `digits` decimals, still a number.
export function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}
