/** A measurement as a device reports it: to a fixed number of decimals, as its firmware rounds. */
export const round = (value: number, digits: number): number => Number(value.toFixed(digits));
