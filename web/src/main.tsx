// The portal's entry: React Query + tRPC, the router, and the session around everything.
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode, useState } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { App } from "./App.tsx";
import { AuthProvider } from "./lib/auth.tsx";
import { createPortalClient, errorStatus, trpc } from "./lib/trpc.ts";
import "./styles.css";

function Root() {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: {
            staleTime: 5_000,
            refetchOnWindowFocus: false,
            // A 4xx will not change by asking again; a network blip might.
            retry: (count, error) => {
              const status = errorStatus(error);
              return count < 2 && (status === undefined || status >= 500);
            },
          },
        },
      }),
  );
  const [trpcClient] = useState(createPortalClient);
  return (
    <trpc.Provider client={trpcClient} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <AuthProvider>
            <App />
          </AuthProvider>
        </BrowserRouter>
      </QueryClientProvider>
    </trpc.Provider>
  );
}

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <Root />
    </StrictMode>,
  );
}
