/** oauth4webapi for the modules loaded after the code (build/oauth4webapi-later.ts): the same library, the same types. */
declare module 'oauth4webapi/later' {
  export * from 'oauth4webapi';
}
