/** The build (scripts/build-widget.js) imports .css files as minified text. */
declare module '*.css' {
  const text: string;
  export default text;
}
