/** The name of the error `call` rejects with (the SDK's exception name), or 'no error'. */
export async function errorName(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    return (err as Error).name;
  }
  return 'no error';
}
