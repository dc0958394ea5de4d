// A wallet-standard Solana wallet for the browser tests, injected before the page's own
// scripts as a wallet extension injects itself. It holds one Ed25519 key (WebCrypto) and,
// like Phantom, writes the Sign-In-With-Solana text itself from the `signIn` input and
// refuses a domain that is not the page's host.
// Filled in by the test: __SEED_HEX__ (32-byte secret), __ADDRESS__ (base58),
// __PUBLIC_KEY_HEX__.
(() => {
  "use strict";
  const hex = (text) => Uint8Array.from(text.match(/../g), (pair) => parseInt(pair, 16));
  const SEED = hex("__SEED_HEX__");
  const ADDRESS = "__ADDRESS__";
  const PUBLIC_KEY = hex("__PUBLIC_KEY_HEX__");
  // PKCS#8 wrapping of an Ed25519 seed (RFC 8410).
  const PKCS8_PREFIX = hex("302e020100300506032b657004220420");

  let keyPromise = null;
  function privateKey() {
    if (!keyPromise) {
      const pkcs8 = new Uint8Array(PKCS8_PREFIX.length + SEED.length);
      pkcs8.set(PKCS8_PREFIX);
      pkcs8.set(SEED, PKCS8_PREFIX.length);
      keyPromise = crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
    }
    return keyPromise;
  }

  async function sign(bytes) {
    const signature = await crypto.subtle.sign({ name: "Ed25519" }, await privateKey(), bytes);
    return new Uint8Array(signature);
  }

  const account = Object.freeze({
    address: ADDRESS,
    publicKey: PUBLIC_KEY,
    chains: ["solana:devnet", "solana:mainnet"],
    features: ["solana:signIn", "solana:signMessage"],
  });

  /** The Sign-In-With-Solana text of `input`, as @solana/wallet-standard-util writes it. */
  function signInText(input) {
    let text = `${input.domain} wants you to sign in with your Solana account:\n${input.address}`;
    if (input.statement) text += `\n\n${input.statement}`;
    const fields = [];
    if (input.uri) fields.push(`URI: ${input.uri}`);
    if (input.version) fields.push(`Version: ${input.version}`);
    if (input.chainId) fields.push(`Chain ID: ${input.chainId}`);
    if (input.nonce) fields.push(`Nonce: ${input.nonce}`);
    if (input.issuedAt) fields.push(`Issued At: ${input.issuedAt}`);
    if (input.expirationTime) fields.push(`Expiration Time: ${input.expirationTime}`);
    if (input.notBefore) fields.push(`Not Before: ${input.notBefore}`);
    if (input.requestId) fields.push(`Request ID: ${input.requestId}`);
    if (input.resources && input.resources.length) {
      fields.push("Resources:", ...input.resources.map((uri) => `- ${uri}`));
    }
    if (fields.length) text += `\n\n${fields.join("\n")}`;
    return text;
  }

  const wallet = {
    version: "1.0.0",
    name: "mmoment Test Wallet",
    icon: "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4=",
    chains: ["solana:devnet", "solana:mainnet"],
    accounts: [],
    signIns: 0,
    features: {
      "standard:connect": {
        version: "1.0.0",
        connect: async () => {
          wallet.accounts = [account];
          return { accounts: wallet.accounts };
        },
      },
      "solana:signIn": {
        version: "1.0.0",
        signIn: async (...inputs) => {
          const outputs = [];
          for (const input of inputs) {
            if (input.domain && input.domain !== window.location.host) {
              throw new Error(`sign-in domain ${input.domain} is not this page's ${window.location.host}`);
            }
            if (input.address && input.address !== ADDRESS) throw new Error("another account");
            const text = signInText({ ...input, domain: input.domain || window.location.host, address: ADDRESS });
            const signedMessage = new TextEncoder().encode(text);
            outputs.push({ account, signedMessage, signature: await sign(signedMessage), signatureType: "ed25519" });
          }
          wallet.accounts = [account];
          wallet.signIns += 1;
          return outputs;
        },
      },
      "solana:signMessage": {
        version: "1.0.0",
        signMessage: async (...inputs) =>
          Promise.all(inputs.map(async ({ message }) => ({ signedMessage: message, signature: await sign(message) }))),
      },
    },
  };
  window.__testWallet = wallet;

  const callback = ({ register }) => register(wallet);
  try {
    window.dispatchEvent(new CustomEvent("wallet-standard:register-wallet", { detail: callback }));
  } catch (error) {
    console.error("wallet-standard:register-wallet could not be dispatched", error);
  }
  window.addEventListener("wallet-standard:app-ready", ({ detail: api }) => callback(api));
})();
