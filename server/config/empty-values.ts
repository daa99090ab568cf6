/**
 * The environment without its empty or blank variables: the one rule that `X=` (in a compose or
 * env file) means the same as leaving X unset, for the server's configuration and the scripts
 * that read the same names.
 */
export function withoutEmptyValues(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
}
