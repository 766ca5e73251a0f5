/// <reference types="electron-vite/node" />

/** A text file bundled as a string (vite's `?raw`), such as a protobuf schema. */
declare module '*?raw' {
  const text: string;
  export default text;
}
