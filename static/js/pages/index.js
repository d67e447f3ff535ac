// The root page only routes: signed in → albums, otherwise → sign in.
import { isSignedIn } from "../session.js";

window.location.replace(isSignedIn() ? "albums.html" : "signin.html");
