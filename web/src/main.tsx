import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Admin } from "./Admin";
import { Participant } from "./Participant";
import "./styles.css";

const root = createRoot(document.getElementById("root")!);
root.render(<StrictMode>{window.location.pathname.startsWith("/admin") ? <Admin /> : <Participant />}</StrictMode>);
