/** A measurement as a device reports it: to a fixed number of decimals, as its firmware rounds. */
export const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** kWh decimals a device reports energy to, an interval's or its register's (0.1 Wh). */
export const ENERGY_DECIMALS = 4;
