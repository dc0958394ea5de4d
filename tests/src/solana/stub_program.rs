//! A stand-in for `camera_network` on the test validator, assembled here as SBPFv0 bytecode
//! in an ELF (the program itself cannot be built for SBF on this machine).
//!
//! It accepts every instruction (so the node's check_in, enroll_face, ... transactions land
//! and succeed, and their confirmation can be checked on a real landed transaction) and
//! understands two of its own, which let a test make this camera's sessions appear and
//! disappear on chain the way the program's check_in and check_out do:
//!
//! - [`WRITE_MAGIC`] ‖ bytes: copies the bytes into the first account's data (an account the
//!   same transaction created for the program with the System Program).
//! - [`CLOSE_MAGIC`]: moves all the first account's lamports to the second, which deletes the
//!   first when the transaction ends (as Anchor's `close` does).

/// Instruction data prefix: write the rest into account 0.
pub const WRITE_MAGIC: [u8; 8] = *b"mmstubwr";
/// Instruction data: close account 0 into account 1.
pub const CLOSE_MAGIC: [u8; 8] = *b"mmstubcl";

/// Bytes the runtime reserves after each account's data for `realloc`, then aligns to 8.
const REALLOC_PADDING: i32 = 10240;

#[derive(Clone, Copy)]
enum Target {
    Label(&'static str),
}

struct Assembler {
    code: Vec<[u8; 8]>,
    labels: Vec<(&'static str, usize)>,
    jumps: Vec<(usize, Target)>,
}

/// eBPF opcodes the stub uses.
mod op {
    pub const LDXB: u8 = 0x71;
    pub const LDXDW: u8 = 0x79;
    pub const STXB: u8 = 0x73;
    pub const STXDW: u8 = 0x7b;
    pub const MOV_IMM: u8 = 0xb7;
    pub const MOV_REG: u8 = 0xbf;
    pub const ADD_IMM: u8 = 0x07;
    pub const ADD_REG: u8 = 0x0f;
    pub const SUB_IMM: u8 = 0x17;
    pub const AND_IMM: u8 = 0x57;
    pub const LDDW: u8 = 0x18;
    pub const JA: u8 = 0x05;
    pub const JEQ_IMM: u8 = 0x15;
    pub const JEQ_REG: u8 = 0x1d;
    pub const JNE_IMM: u8 = 0x55;
    pub const JGE_REG: u8 = 0x3d;
    pub const JLT_IMM: u8 = 0xa5;
    pub const JLE_REG: u8 = 0xbd;
    pub const EXIT: u8 = 0x95;
}

impl Assembler {
    fn new() -> Self {
        Self {
            code: Vec::new(),
            labels: Vec::new(),
            jumps: Vec::new(),
        }
    }

    fn emit(&mut self, opcode: u8, dst: u8, src: u8, offset: i16, imm: i32) {
        let mut insn = [0u8; 8];
        insn[0] = opcode;
        insn[1] = (src << 4) | dst;
        insn[2..4].copy_from_slice(&offset.to_le_bytes());
        insn[4..8].copy_from_slice(&imm.to_le_bytes());
        self.code.push(insn);
    }

    fn label(&mut self, name: &'static str) {
        self.labels.push((name, self.code.len()));
    }

    fn jump(&mut self, opcode: u8, dst: u8, src: u8, imm: i32, to: &'static str) {
        self.jumps.push((self.code.len(), Target::Label(to)));
        self.emit(opcode, dst, src, 0, imm);
    }

    fn lddw(&mut self, dst: u8, value: u64) {
        self.emit(op::LDDW, dst, 0, 0, value as u32 as i32);
        self.emit(0, 0, 0, 0, (value >> 32) as u32 as i32);
    }

    /// Moves register `cursor` from the start of an account's record past it, with `scratch`
    /// for its data length: the header (88 bytes, data length at 80), the data, the realloc
    /// padding, alignment to 8, the rent epoch.
    fn skip_account(&mut self, cursor: u8, scratch: u8) {
        self.emit(op::LDXDW, scratch, cursor, 80, 0);
        self.emit(op::ADD_REG, cursor, scratch, 0, 0);
        self.emit(op::ADD_IMM, cursor, 0, 0, 88 + REALLOC_PADDING + 7);
        self.emit(op::AND_IMM, cursor, 0, 0, -8);
        self.emit(op::ADD_IMM, cursor, 0, 0, 8);
    }

    fn finish(mut self) -> Vec<u8> {
        for (at, Target::Label(name)) in self.jumps.clone() {
            let target = self
                .labels
                .iter()
                .find(|(label, _)| *label == name)
                .map(|(_, index)| *index)
                .expect("jump to a defined label");
            let offset = i16::try_from(target as i64 - at as i64 - 1).expect("short jump");
            self.code[at][2..4].copy_from_slice(&offset.to_le_bytes());
        }
        self.code.concat()
    }
}

/// The stub's bytecode. Registers: r1 the serialized input, r2 a cursor over it.
fn bytecode() -> Vec<u8> {
    let mut a = Assembler::new();
    // Walk the accounts to the instruction data.
    a.emit(op::LDXDW, 3, 1, 0, 0); // r3 = number of accounts
    a.emit(op::MOV_REG, 2, 1, 0, 0);
    a.emit(op::ADD_IMM, 2, 0, 0, 8);
    a.emit(op::MOV_IMM, 4, 0, 0, 0);
    a.label("walk");
    a.jump(op::JGE_REG, 4, 3, 0, "accounts_done");
    a.emit(op::LDXB, 5, 2, 0, 0); // duplicate marker
    a.jump(op::JNE_IMM, 5, 0, 0xff, "duplicate");
    a.skip_account(2, 5);
    a.jump(op::JA, 0, 0, 0, "next_account");
    a.label("duplicate");
    a.emit(op::ADD_IMM, 2, 0, 0, 8);
    a.label("next_account");
    a.emit(op::ADD_IMM, 4, 0, 0, 1);
    a.jump(op::JA, 0, 0, 0, "walk");
    a.label("accounts_done");
    a.emit(op::LDXDW, 5, 2, 0, 0); // instruction data length
    a.jump(op::JLT_IMM, 5, 0, 8, "succeed");
    a.emit(op::LDXDW, 7, 2, 8, 0); // its first 8 bytes
    a.lddw(8, u64::from_le_bytes(WRITE_MAGIC));
    a.jump(op::JEQ_REG, 7, 8, 0, "write");
    a.lddw(8, u64::from_le_bytes(CLOSE_MAGIC));
    a.jump(op::JEQ_REG, 7, 8, 0, "close");
    a.label("succeed");
    a.emit(op::MOV_IMM, 0, 0, 0, 0);
    a.emit(op::EXIT, 0, 0, 0, 0);
    // Copy min(length - 8, account 0's data length) bytes into account 0's data.
    a.label("write");
    a.emit(op::MOV_REG, 9, 1, 0, 0);
    a.emit(op::ADD_IMM, 9, 0, 0, 96);
    a.emit(op::MOV_REG, 6, 2, 0, 0);
    a.emit(op::ADD_IMM, 6, 0, 0, 16);
    a.emit(op::SUB_IMM, 5, 0, 0, 8);
    a.emit(op::LDXDW, 3, 1, 88, 0);
    a.jump(op::JLE_REG, 5, 3, 0, "copy");
    a.emit(op::MOV_REG, 5, 3, 0, 0);
    a.label("copy");
    a.jump(op::JEQ_IMM, 5, 0, 0, "succeed");
    a.emit(op::LDXB, 4, 6, 0, 0);
    a.emit(op::STXB, 9, 4, 0, 0);
    a.emit(op::ADD_IMM, 6, 0, 0, 1);
    a.emit(op::ADD_IMM, 9, 0, 0, 1);
    a.emit(op::SUB_IMM, 5, 0, 0, 1);
    a.jump(op::JA, 0, 0, 0, "copy");
    // Account 1 starts after account 0; move account 0's lamports there.
    a.label("close");
    a.emit(op::MOV_REG, 6, 1, 0, 0);
    a.emit(op::ADD_IMM, 6, 0, 0, 8);
    a.skip_account(6, 3);
    a.emit(op::LDXDW, 4, 1, 80, 0);
    a.emit(op::LDXDW, 5, 6, 72, 0);
    a.emit(op::ADD_REG, 5, 4, 0, 0);
    a.emit(op::STXDW, 6, 5, 72, 0);
    a.emit(op::MOV_IMM, 4, 0, 0, 0);
    a.emit(op::STXDW, 1, 4, 80, 0);
    a.jump(op::JA, 0, 0, 0, "succeed");
    a.finish()
}

/// The stub as an ELF shared object the validator loads (`--bpf-program`): one `.text`
/// section whose address equals its file offset, a section-name table, no relocations.
pub fn elf() -> Vec<u8> {
    const EHDR: usize = 64;
    const SHDR: usize = 64;
    const TEXT_OFFSET: usize = 0x100;
    let text = bytecode();
    let names = b"\0.text\0.shstrtab\0";
    let names_offset = TEXT_OFFSET + text.len();
    let section_headers = (names_offset + names.len()).next_multiple_of(8);
    let mut elf = vec![0u8; section_headers + 3 * SHDR];
    // File header.
    elf[0..4].copy_from_slice(b"\x7fELF");
    elf[4] = 2; // 64-bit
    elf[5] = 1; // little endian
    elf[6] = 1; // ELF version
    let put16 =
        |elf: &mut Vec<u8>, at: usize, v: u16| elf[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put32 =
        |elf: &mut Vec<u8>, at: usize, v: u32| elf[at..at + 4].copy_from_slice(&v.to_le_bytes());
    let put64 =
        |elf: &mut Vec<u8>, at: usize, v: u64| elf[at..at + 8].copy_from_slice(&v.to_le_bytes());
    put16(&mut elf, 16, 3); // ET_DYN
    put16(&mut elf, 18, 247); // EM_BPF
    put32(&mut elf, 20, 1); // version
    put64(&mut elf, 24, TEXT_OFFSET as u64); // entry
    put64(&mut elf, 32, 0); // no program headers
    put64(&mut elf, 40, section_headers as u64);
    put32(&mut elf, 48, 0); // e_flags 0: SBPFv0
    put16(&mut elf, 52, EHDR as u16);
    put16(&mut elf, 54, 56); // program header size
    put16(&mut elf, 56, 0);
    put16(&mut elf, 58, SHDR as u16);
    put16(&mut elf, 60, 3);
    put16(&mut elf, 62, 2); // .shstrtab
    elf[TEXT_OFFSET..TEXT_OFFSET + text.len()].copy_from_slice(&text);
    elf[names_offset..names_offset + names.len()].copy_from_slice(names);
    // Section headers: null, .text (PROGBITS, ALLOC|EXECINSTR), .shstrtab (STRTAB).
    let text_header = section_headers + SHDR;
    put32(&mut elf, text_header, 1);
    put32(&mut elf, text_header + 4, 1);
    put64(&mut elf, text_header + 8, 0x6);
    put64(&mut elf, text_header + 16, TEXT_OFFSET as u64);
    put64(&mut elf, text_header + 24, TEXT_OFFSET as u64);
    put64(&mut elf, text_header + 32, text.len() as u64);
    put64(&mut elf, text_header + 48, 8);
    let names_header = section_headers + 2 * SHDR;
    put32(&mut elf, names_header, 7);
    put32(&mut elf, names_header + 4, 3);
    put64(&mut elf, names_header + 24, names_offset as u64);
    put64(&mut elf, names_header + 32, names.len() as u64);
    put64(&mut elf, names_header + 48, 1);
    elf
}
