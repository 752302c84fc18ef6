// SPDX-License-Identifier: Apache-2.0
// The dimension catalog's shared DESCRIBE, when several reads need it at once.
import type { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { DimensionCatalog } from '../../../lambda/timestream/reader';

const TARGET = { database: 'db', table: 'tbl' };

/**
 * A client whose DESCRIBE reads the table's columns when it is sent and answers when `answer()` is
 * called, as a Timestream query does: it can finish after a write added a column. It fails with
 * the SDK's AbortError when its abortSignal aborts.
 */
function describingClient(table: Set<string>) {
  const sent: { signal?: AbortSignal; answer: () => void }[] = [];
  const client = {
    send: (command: QueryCommand, options?: { abortSignal?: AbortSignal }) =>
      new Promise((resolve, reject) => {
        expect(command.input.QueryString).toBe('DESCRIBE "db"."tbl"');
        const columns = [...table];
        const signal = options?.abortSignal;
        signal?.addEventListener('abort', () =>
          reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })),
        );
        sent.push({
          signal,
          answer: () =>
            resolve({
              ColumnInfo: ['Column', 'Type', 'Timestream attribute type'].map((Name) => ({ Name })),
              Rows: columns.map((c) => ({
                Data: [{ ScalarValue: c }, { ScalarValue: 'varchar' }, { ScalarValue: 'DIMENSION' }],
              })),
            }),
        });
      }),
  } as unknown as TimestreamQueryClient;
  return { client, sent };
}

describe('DimensionCatalog with reads at the same time', () => {
  test('a read that joins a DESCRIBE sent before it tries the columns it wants that the DESCRIBE lacks', async () => {
    const table = new Set(['job']);
    const { client, sent } = describingClient(table);
    const catalog = new DimensionCatalog();
    const first = catalog.columns(client, TARGET, ['tag']);
    expect(sent).toHaveLength(1);
    // A write adds `tag` and is acknowledged; a read begun after it joins the DESCRIBE under way.
    table.add('tag');
    const second = catalog.columns(client, TARGET, ['tag']);
    expect(sent).toHaveLength(1);
    sent[0].answer();
    expect(await first).toEqual({ columns: new Set(['job']), unconfirmed: [] });
    expect(await second).toEqual({ columns: new Set(['job']), unconfirmed: ['tag'] });
  });
});
