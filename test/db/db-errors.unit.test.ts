import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable, isTransientDatabaseError, retryIfTransient } from '../../src/db/db-errors';

/** A pg error as the driver raises it: the SQLSTATE in `code`, plus the constraint when one is named. */
function pgError(code: string, message: string, constraint?: string): Error {
  return Object.assign(new Error(message), { code, constraint, severity: 'ERROR' });
}

/** As a repository sees it: TypeORM wraps the driver error. */
const wrapped = (driverError: Error) => new QueryFailedError('INSERT …', [], driverError);

describe('isTransientDatabaseError', () => {
  it.each([
    ['40P01', 'deadlock detected'],
    ['40001', 'could not serialize access due to concurrent update'],
    ['55P03', 'canceling statement due to lock timeout'],
    ['57P01', 'terminating connection due to administrator command'],
  ])('holds for SQLSTATE %s, bare or wrapped by TypeORM', (code, message) => {
    expect(isTransientDatabaseError(pgError(code, message))).toBe(true);
    expect(isTransientDatabaseError(wrapped(pgError(code, message)))).toBe(true);
  });

  it('holds for a row refused by a partition bound, which names no constraint', () => {
    const refused = pgError('23514', 'new row for relation "meter_history_default" violates partition constraint');
    expect(isTransientDatabaseError(wrapped(refused))).toBe(true);
  });

  it('does not hold for a row refused by a named CHECK constraint: running it again cannot help', () => {
    const refused = pgError(
      '23514',
      'new row for relation "meter_live" violates check constraint "low_voltage"',
      'low_voltage',
    );
    expect(isTransientDatabaseError(wrapped(refused))).toBe(false);
  });

  it.each([
    ['23505', 'duplicate key value violates unique constraint'],
    ['22P02', 'invalid input syntax for type timestamp'],
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'],
  ])('does not hold for %s', (code, message) => {
    expect(isTransientDatabaseError(wrapped(pgError(code, message)))).toBe(false);
  });

  it('finds the code behind a cause, as well as behind driverError', () => {
    expect(isTransientDatabaseError(new Error('write failed', { cause: pgError('40P01', 'deadlock detected') }))).toBe(
      true,
    );
  });
});

describe('isDatabaseUnavailable', () => {
  it('still covers a dropped connection and a server shutting down, and no conflict', () => {
    expect(
      isDatabaseUnavailable(wrapped(pgError('57P01', 'terminating connection due to administrator command'))),
    ).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([pgError('ECONNREFUSED', 'connect ECONNREFUSED')]))).toBe(true);
    expect(isDatabaseUnavailable(wrapped(pgError('40P01', 'deadlock detected')))).toBe(false);
  });
});

describe('retryIfTransient', () => {
  /** A transaction that fails with the given errors in turn, then answers the number of its attempt. */
  function failing(...errors: Error[]) {
    let attempts = 0;
    const transaction = () => {
      attempts += 1;
      const error = errors[attempts - 1];
      return error ? Promise.reject(error) : Promise.resolve(attempts);
    };
    return { transaction, attempts: () => attempts };
  }

  it('runs a transaction that lost a deadlock once more, and answers what the second run answers', async () => {
    const work = failing(wrapped(pgError('40P01', 'deadlock detected')));
    await expect(retryIfTransient(work.transaction)).resolves.toBe(2);
  });

  it('runs it a third time after two transient failures in a row', async () => {
    const work = failing(wrapped(pgError('40P01', 'deadlock detected')), wrapped(pgError('23514', 'bound')));
    await expect(retryIfTransient(work.transaction)).resolves.toBe(3);
  });

  it('gives up after the third transient failure, with that failure', async () => {
    const third = wrapped(pgError('55P03', 'canceling statement due to lock timeout'));
    const work = failing(wrapped(pgError('40P01', 'deadlock detected')), wrapped(pgError('40P01', 'deadlock')), third);
    await expect(retryIfTransient(work.transaction)).rejects.toBe(third);
    expect(work.attempts()).toBe(3);
  });

  it('does not run again after a failure that is not transient', async () => {
    const refused = wrapped(pgError('23505', 'duplicate key value violates unique constraint', 'pk'));
    const work = failing(refused);
    await expect(retryIfTransient(work.transaction)).rejects.toBe(refused);
    expect(work.attempts()).toBe(1);
  });
});
